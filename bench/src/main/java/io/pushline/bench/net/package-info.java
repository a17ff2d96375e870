/**
 * Wire side of the load generator, speaking only the public push contract: the event-loop transport
 * (native epoll when loadable, else NIO), WebSocket browser clients ({@link io.pushline.bench.net.WsClients}),
 * ingest line connections ({@link io.pushline.bench.net.IngestHandler}) and the allocation-free encoding and
 * scanning of push lines ({@link io.pushline.bench.net.PushLines}, {@link io.pushline.bench.net.FrameScan}).
 */
package io.pushline.bench.net;
