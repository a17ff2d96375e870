/**
 * The gateway: holds browser WebSocket connections and delivers the pushes the broker hands it.
 * {@link io.pushline.gateway.GatewayMain} (command line) starts a {@link io.pushline.gateway.GatewayServer}
 * (owns resources), whose {@link io.pushline.gateway.GatewayInitializer} assembles each connection's pipeline:
 * {@code http} for plain HTTP requests, {@code session} for a WebSocket's uid and delivery.
 */
package io.pushline.gateway;
