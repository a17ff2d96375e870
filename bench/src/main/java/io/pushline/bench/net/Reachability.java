package io.pushline.bench.net;

import io.pushline.bench.BenchException;
import io.pushline.bench.HostPort;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;

/** Fails fast, with one line naming the address, when a server port does not accept connections. */
public final class Reachability {

  private Reachability() {
  }

  /** Opens and closes one plain TCP connection to {@code target}. */
  public static void check(String what, HostPort target, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(target.toAddress(), timeoutMillis);
    } catch (IOException | IllegalArgumentException e) {
      throw new BenchException("cannot connect to " + what + " " + target + ": " + describe(e));
    }
  }

  /** host:port of a ws:// URI (port 80 when absent). */
  public static HostPort of(URI ws) {
    int port = ws.getPort() > 0 ? ws.getPort() : 80;
    String host = ws.getHost();
    if (host == null) {
      throw new BenchException("bad WebSocket URL " + ws + ": no host");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, port);
  }

  /** A short description of a connect failure, without the stack. */
  public static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    String name = root.getClass().getSimpleName();
    return m == null || m.isEmpty() ? name : m;
  }
}
