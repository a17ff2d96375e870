/**
 * Real test parts for Pushline's modules: a real {@code redis-server} process ({@link io.pushline.testkit.RedisServer}),
 * a real WebSocket client ({@link io.pushline.testkit.WsClient}), a real TCP client for the ingest's line protocol
 * ({@link io.pushline.testkit.LineClient}), a separate JVM that can really be killed
 * ({@link io.pushline.testkit.JavaProcess}), a real headless browser ({@link io.pushline.testkit.Chromium}) and a
 * free-port finder ({@link io.pushline.testkit.FreePort}).
 *
 * <p>Nothing here is a mock: Pushline's tests exercise real processes and real sockets, because the behaviour that
 * matters (reconnects, half-written lines, a broker that dies) only shows up with real parts.
 *
 * <p>Every helper waits with a deadline and fails with an {@link java.lang.AssertionError} or an exception that says
 * what it was waiting for, so a broken test fails fast and explains itself instead of hanging the build.
 */
package io.pushline.testkit;
