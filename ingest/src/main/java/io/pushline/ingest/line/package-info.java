/** One ingest connection: bounded line framing and in-order replies to pipelined lines. */
package io.pushline.ingest.line;
