package io.pushline.bench.scenario;

import io.pushline.bench.net.Transport;
import io.pushline.bench.net.WsClients;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options shared by the scenarios that open WebSocket clients. */
public final class CommonOptions {

  @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|epoll|io_uring|nio",
      description = "Netty transport: auto = native epoll when its library loads, else NIO; io_uring only when "
          + "asked for (default: ${DEFAULT-VALUE}).")
  Transport.Kind transport;

  @Option(names = "--client-threads", defaultValue = "1", paramLabel = "N",
      description = "Event-loop threads for the WebSocket clients (default: ${DEFAULT-VALUE}).")
  int clientThreads;

  @Option(names = "--uid-mode", defaultValue = "frame", paramLabel = "frame|query",
      description = "How a client tells its uid: 'frame' = first text frame, 'query' = ws://host:port/?uid=bench-N "
          + "(default: ${DEFAULT-VALUE}).")
  WsClients.UidMode uidMode;

  @Option(names = "--connect-concurrency", defaultValue = "256", paramLabel = "N",
      description = "WebSocket handshakes in flight at once while connecting (default: ${DEFAULT-VALUE}).")
  int connectConcurrency;

  @Option(names = "--connect-timeout", defaultValue = "10s", paramLabel = "DURATION",
      description = "Timeout of one TCP connect, and again of one WebSocket handshake (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(names = "--setup-timeout", defaultValue = "120s", paramLabel = "DURATION",
      description = "Timeout for connecting all clients, and again for the registration check (default: "
          + "${DEFAULT-VALUE}).")
  Duration setupTimeout;

  @Option(names = "--json-only", description = "Print only the JSON line on stdout (no human summary).")
  boolean jsonOnly;
}
