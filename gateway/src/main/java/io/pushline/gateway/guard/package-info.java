/**
 * Who may open a WebSocket at all, decided before the upgrade: the Origin allow-list (cross-site WebSocket
 * hijacking), connection limits per node and per client IP, the client IP itself (peer address, PROXY protocol,
 * or {@code X-Forwarded-For} from trusted proxies only), and counters of every refusal.
 * {@link io.pushline.gateway.guard.GatewaySecurity} assembles these and the identity policy into each pipeline.
 */
package io.pushline.gateway.guard;
