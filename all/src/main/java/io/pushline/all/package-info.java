/**
 * The all-in-one: gateway and ingest in one process. Without a Redis URL it is the seed's single process with
 * an in-memory broker and nothing else to install; with one it is a full node of a multi-node deployment.
 */
package io.pushline.all;
