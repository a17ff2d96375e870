/**
 * The seed's wire contract: ingest lines and replies, uid syntax, WebSocket close codes.
 * Everything here is stateless and thread-safe.
 */
package io.pushline.common.protocol;
