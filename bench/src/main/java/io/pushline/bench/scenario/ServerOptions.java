package io.pushline.bench.scenario;

import io.pushline.bench.HostPort;
import picocli.CommandLine.Option;

import java.net.URI;

/** The server under test, for the scenarios that push through the ingest to WebSocket clients. */
public final class ServerOptions {

  @Option(names = "--ws", defaultValue = "ws://127.0.0.1:1234/", paramLabel = "URL",
      description = "WebSocket URL of the server (default: ${DEFAULT-VALUE}).")
  URI ws;

  @Option(names = "--ingest", defaultValue = "127.0.0.1:5678", paramLabel = "HOST:PORT",
      converter = HostPort.Converter.class, description = "Ingest line port (default: ${DEFAULT-VALUE}).")
  HostPort ingest;

  @Option(names = "--skip-registration-check",
      description = "Do not probe each uid until the ingest answers ok before the run (rely on a warm-up).")
  boolean skipRegistrationCheck;
}
