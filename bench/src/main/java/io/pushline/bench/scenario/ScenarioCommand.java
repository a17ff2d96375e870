package io.pushline.bench.scenario;

import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.HostPort;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.Report;
import io.pushline.bench.net.Reachability;
import io.pushline.bench.net.Transport;
import io.pushline.bench.net.WsClients;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every scenario command shares: output streams, progress lines on stderr, client set-up. */
public abstract class ScenarioCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** A progress line on stderr (never per message). */
  void progress(String format, Object... args) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("[bench] " + String.format(Locale.ROOT, format, args));
    err.flush();
  }

  static URI checkWs(URI ws) {
    if (ws.getScheme() == null || !"ws".equalsIgnoreCase(ws.getScheme())) {
      throw new BenchException("--ws must be a ws:// URL (wss:// is not supported), got " + ws);
    }
    if (ws.getHost() == null) {
      throw new BenchException("--ws has no host: " + ws);
    }
    return ws;
  }

  static void checkPositive(String option, long value) {
    if (value <= 0) {
      throw new BenchException(option + " must be > 0, got " + value);
    }
  }

  /**
   * Fails with one line when {@code pid}, given with {@code option}, is not a process of this machine whose CPU can be
   * read: otherwise a mistyped or ended pid would only show as -1 in the results, after the whole run.
   */
  static void checkPid(String option, Long pid) {
    if (pid != null && ProcMetrics.pidCpuNanos(pid) < 0) {
      throw new BenchException(option + " " + pid + ": no such process on this machine (/proc/" + pid
          + "/stat cannot be read); give the pid of a local process");
    }
  }

  /** Fails with one line naming the address when the WebSocket port does not accept TCP connections. */
  static void preflightWs(URI ws, CommonOptions common) {
    Reachability.check("WebSocket port", Reachability.of(ws), (int) Math.min(5000, common.connectTimeout.toMillis()));
  }

  static void preflightIngest(HostPort ingest, CommonOptions common) {
    Reachability.check("ingest port", ingest, (int) Math.min(5000, common.connectTimeout.toMillis()));
  }

  static WsClients newClients(Transport transport, EventLoopGroup group, URI ws, CommonOptions common,
      double ratePerSecond, List<InetAddress> sources, WsClients.FrameSink sink) {
    WsClients.Options o = new WsClients.Options(ws, common.uidMode, Math.max(1, common.connectConcurrency),
        ratePerSecond, common.connectTimeout.toMillis(), sources);
    return new WsClients(transport, group, o, sink);
  }

  /** Connects clients 0..n-1 and fails unless all of them connected. */
  WsClients.Result connectAll(WsClients clients, URI ws, int n, CommonOptions common) {
    return connectAll(clients, ws, 0, n, "", common);
  }

  /**
   * Connects clients {@code first .. first+n-1} and fails unless all of them connected.
   *
   * @param kind a word for the progress and error lines ("idle "), or ""
   */
  WsClients.Result connectAll(WsClients clients, URI ws, int first, int n, String kind, CommonOptions common) {
    progress("connecting %d %sWebSocket clients to %s", n, kind, ws);
    WsClients.Result r = clients.connect(first, n, common.setupTimeout.toMillis());
    if (r.connected() < n) {
      throw new BenchException("only " + r.connected() + " of " + n + " " + kind + "WebSocket clients connected to " + ws
          + (r.firstError() == null ? "" : ": " + r.firstError()));
    }
    progress("%d %sclients connected in %.3f s", n, kind, r.elapsedNanos() / 1e9);
    return r;
  }

  static void putCommon(Report report, Transport transport, CommonOptions common) {
    report.json().put("transport", transport.name());
    report.json().put("clientThreads", common.clientThreads);
    report.json().put("uidMode", common.uidMode.name().toLowerCase(Locale.ROOT));
  }
}
