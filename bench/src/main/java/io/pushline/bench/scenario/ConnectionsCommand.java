package io.pushline.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.ChildJvm;
import io.pushline.bench.Durations;
import io.pushline.bench.Loops;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.Report;
import io.pushline.bench.ServerHeap;
import io.pushline.bench.net.Reachability;
import io.pushline.bench.net.Transport;
import io.pushline.bench.net.WsClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Many idle connections: connect rate, connect time, and (with {@code --server-pid}) the server's RSS per
 * connection, and (with {@code --server-heap}) its live heap per connection. Above one process's open-file limit the
 * clients are spread over child JVMs of this same jar.
 */
@Command(name = "connections", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Many idle connections: connect rate, connect time, server RSS and heap per connection.",
        "Opens --count idle WebSocket clients (each tells its uid bench-N), measures the connect rate (connections "
            + "completed per second) and the connect time (TCP connect -> handshake done and uid frame written), "
            + "holds them for --hold, then closes them. With --server-pid, reads the server's VmRSS from "
            + "/proc/<pid>/status before connecting and at the end of the hold, and reports RSS per connection; "
            + "with --server-heap as well, the server JVM's live heap (after a full GC) at the same two points.",
        "One process can hold about (open-file limit - 500) connections; --processes N (or auto) forks N child "
            + "JVMs of this jar, each holding count/N, and aggregates their results.",
        "--storms N repeats connect, hold and close in this JVM, so that later storms meet a warm generator.",
        "Prints a summary and one JSON line {\"scenario\":\"connections\",...} per storm."})
public final class ConnectionsCommand extends ScenarioCommand {

  static final String STAGED = "BENCH-CHILD-STAGED";
  static final String CONNECTED = "BENCH-CHILD-CONNECTED ";
  static final String RESULT = "BENCH-CHILD-RESULT ";

  @Option(names = "--ws", defaultValue = "ws://127.0.0.1:1234/", paramLabel = "URL",
      description = "WebSocket URL of the server (default: ${DEFAULT-VALUE}).")
  URI ws;

  @Option(names = "--count", defaultValue = "19000", paramLabel = "K",
      description = "Connections to open (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--source-addresses", defaultValue = "auto", paramLabel = "auto|A,B,...",
      description = "Local addresses to bind to, used round-robin. 'auto': none when one address's ephemeral ports "
          + "suffice, else 127.0.0.1..127.0.0.N (loopback targets only) so that each carries at most "
          + "min(50000, ephemeral ports - 1000) (default: ${DEFAULT-VALUE}).")
  String sourceAddresses;

  @Option(names = "--rate-limit", defaultValue = "0", paramLabel = "CONN_PER_S",
      description = "Maximum connection attempts per second over all processes; 0 = unlimited (default: "
          + "${DEFAULT-VALUE}).")
  double rateLimit;

  @Option(names = "--server-pid", paramLabel = "PID",
      description = "Process id of the server (on this machine) whose RSS to read.")
  Long serverPid;

  @Option(names = "--server-heap",
      description = "With --server-pid, a JVM: attach to it (same user), force a full GC before connecting and at the "
          + "end of the hold (and one on attaching, discarded), and report its live heap per connection. The "
          + "collection before connecting comes before the first RSS reading, the one after the hold after the "
          + "second, so RSS is read as without this option.")
  boolean serverHeap;

  @Option(names = "--processes", defaultValue = "0", paramLabel = "N",
      description = "Generator processes: 1 = this JVM only, N > 1 = N child JVMs, 0 = auto (enough to stay under "
          + "the open-file limit) (default: ${DEFAULT-VALUE}).")
  int processes;

  @Option(names = "--hold", defaultValue = "5s", paramLabel = "DURATION",
      description = "How long to keep the connections open once all are connected (default: ${DEFAULT-VALUE}).")
  Duration hold;

  @Option(names = "--storms", defaultValue = "1", paramLabel = "N",
      description = "Connect, hold and close N times in this JVM, with a report (and a JSON line, with \"storm\") "
          + "per storm: after the first, the generator's own code is compiled, so its CPU per connection is what "
          + "a warm client costs rather than its JIT's. One generator process only (default: ${DEFAULT-VALUE}).")
  int storms;

  @Option(names = "--between", defaultValue = "5s", paramLabel = "DURATION",
      description = "Pause between two storms, for the server to finish the closes of the last (default: "
          + "${DEFAULT-VALUE}).")
  Duration between;

  @Option(names = "--child-heap", defaultValue = "1g", paramLabel = "SIZE",
      description = "-Xmx of each child JVM (default: ${DEFAULT-VALUE}).")
  String childHeap;

  @Option(names = "--child", hidden = true)
  boolean child;

  @Option(names = "--first-index", hidden = true, defaultValue = "0")
  int firstIndex;

  @Mixin
  CommonOptions common;

  /** The server JVM, attached to with {@code --server-heap}. */
  private ServerHeap heap;

  /** What one process measured. */
  record Part(int attempted, int connected, int failed, String firstError, long elapsedNanos, Histogram connectNanos,
      int dropped, long closeNanos, long cpuNanos) {
  }

  @Override
  public Integer call() {
    URI wsUri = checkWs(ws);
    checkPositive("--count", count);
    checkPositive("--storms", storms);
    if (child) {
      return runChild(wsUri);
    }
    if (serverHeap && serverPid == null) {
      throw new BenchException("--server-heap needs --server-pid, the server JVM's process id");
    }
    preflightWs(wsUri, common);
    checkPid("--server-pid", serverPid);
    heap = serverHeap ? ServerHeap.attach(serverPid) : null;
    InetAddress target;
    try {
      target = InetAddress.getByName(Reachability.of(wsUri).host());
    } catch (UnknownHostException e) {
      throw new BenchException("cannot resolve " + wsUri.getHost());
    }
    List<InetAddress> sources = SourceAddresses.resolve(sourceAddresses, count, target);
    long perProcess = perProcessCapacity();
    int n = processes > 0 ? processes : (int) Math.max(1, (count + perProcess - 1) / perProcess);
    if ((count + n - 1) / n > perProcess) {
      throw new BenchException("--count " + count + " over " + n + " process(es) exceeds what one process can hold "
          + "(open-file limit " + ProcMetrics.maxOpenFiles() + "); use --processes "
          + ((count + perProcess - 1) / perProcess) + " or more");
    }
    if (n > count) {
      n = count;
    }
    if (storms > 1 && n > 1) {
      throw new BenchException("--storms " + storms + " needs one generator process (this run needs " + n
          + "): lower --count, or run the command once per storm");
    }
    Transport transport = Transport.select(common.transport);
    if (n > 1) {
      List<Part> parts = new ArrayList<>();
      long[] sample = new long[6];
      long overallNanos = runChildren(wsUri, n, sources, parts, sample);
      report(1, wsUri, n, sources, parts, overallNanos, new ServerSample(sample[0], sample[1], sample[2], sample[3],
          sample[4], sample[5]), transport);
      return 0;
    }
    EventLoopGroup group = transport.newGroup(common.clientThreads, "bench-client");
    try {
      for (int storm = 1; storm <= storms; storm++) {
        if (storm > 1) {
          progress("storm %d of %d in %s", storm, storms, Durations.format(between));
          Loops.sleepUntil(System.nanoTime() + between.toNanos());
        }
        storm(storm, transport, group, wsUri, sources);
      }
    } finally {
      Transport.shutdown(group, 5000);
    }
    return 0;
  }

  /** One storm in this process: connect every client, hold, close; then its report. */
  private void storm(int storm, Transport transport, EventLoopGroup group, URI wsUri, List<InetAddress> sources) {
    WsClients clients = null;
    try {
      clients = newClients(transport, group, wsUri, common, rateLimit, sources, (c, b) -> { });
      long heapBefore = liveHeap();
      long rssBefore = rss();
      long cpuBefore = serverCpu();
      progress("opening %d connections to %s%s", count, wsUri,
          sources.isEmpty() ? "" : " from " + SourceAddresses.join(sources));
      long ownCpu = ProcMetrics.selfCpuNanos();
      WsClients.Result r = clients.connect(0, count, common.setupTimeout.toMillis());
      long cpuConnected = serverCpu();
      ownCpu = ProcMetrics.cpuSpent(ownCpu, ProcMetrics.selfCpuNanos());
      progress("%d connected, %d failed in %.3f s; holding %s", r.connected(), r.failed(), r.elapsedNanos() / 1e9,
          Durations.format(hold));
      Loops.sleepUntil(System.nanoTime() + hold.toNanos());
      long rssAfter = rss();
      ServerSample server = new ServerSample(rssBefore, rssAfter, cpuBefore, cpuConnected, heapBefore, liveHeap());
      int dropped = clients.droppedCount();
      long c0 = System.nanoTime();
      clients.closeAll(30_000);
      Part part = new Part(count, r.connected(), r.failed(), r.firstError(), r.elapsedNanos(), r.connectNanos(),
          dropped, System.nanoTime() - c0, ownCpu);
      report(storm, wsUri, 1, sources, List.of(part), r.elapsedNanos(), server, transport);
    } finally {
      if (clients != null) {
        clients.closeAll(10_000);
      }
    }
  }

  private void report(int storm, URI wsUri, int n, List<InetAddress> sources, List<Part> parts, long overallNanos,
      ServerSample server, Transport transport) {
    Report report = new Report("connections");
    aggregate(report, wsUri, n, sources, parts, overallNanos, server, transport);
    report.json().put("storm", storm);
    report.json().put("storms", storms);
    report.print(out(), common.jsonOnly);
  }

  private long rss() {
    return serverPid == null ? -1 : ProcMetrics.rssBytes(serverPid);
  }

  private long serverCpu() {
    return serverPid == null ? -1 : ProcMetrics.pidCpuNanos(serverPid);
  }

  /** The server's live heap, with {@code --server-heap}; -1 without. */
  private long liveHeap() {
    return heap == null ? -1 : heap.liveBytes();
  }

  /**
   * What {@code --server-pid} reads of the server: its RSS before connecting and after the hold, its CPU time before
   * and after connecting (so the connect storm's CPU, without the hold or the close), and with {@code --server-heap}
   * its live heap before connecting and after the hold; -1 where unreadable or not asked for.
   */
  private record ServerSample(long rssBefore, long rssAfter, long cpuBefore, long cpuConnected, long heapBefore,
      long heapAfter) {
    long connectCpuNanos() {
      return cpuBefore < 0 || cpuConnected < 0 ? -1 : cpuConnected - cpuBefore;
    }

    boolean heapRead() {
      return heapBefore >= 0 && heapAfter >= 0;
    }
  }

  static long perProcessCapacity() {
    long files = ProcMetrics.maxOpenFiles();
    if (files <= 0 || files == Long.MAX_VALUE) {
      return 1_000_000;
    }
    return Math.max(1, files - 500);
  }

  private void aggregate(Report report, URI wsUri, int n, List<InetAddress> sources, List<Part> parts,
      long overallNanos, ServerSample server, Transport transport) {
    long rssBefore = server.rssBefore();
    long rssAfter = server.rssAfter();
    long cpuNanos = server.connectCpuNanos();
    int connected = 0;
    int failed = 0;
    int dropped = 0;
    String firstError = null;
    long closeNanos = 0;
    long ownCpuNanos = 0; // the generator's: every process's CPU while it connected, -1 if one was unreadable
    Histogram h = Report.newNanosHistogram();
    ArrayNode per = Report.MAPPER.createArrayNode();
    for (Part p : parts) {
      connected += p.connected();
      failed += p.failed();
      dropped += p.dropped();
      closeNanos = Math.max(closeNanos, p.closeNanos());
      ownCpuNanos = ownCpuNanos < 0 || p.cpuNanos() < 0 ? -1 : ownCpuNanos + p.cpuNanos();
      if (firstError == null) {
        firstError = p.firstError();
      }
      h.add(p.connectNanos());
      ObjectNode o = per.addObject();
      o.put("connected", p.connected());
      o.put("failed", p.failed());
      o.put("connectPerSec", Report.round3(p.elapsedNanos() <= 0 ? 0 : p.connected() * 1e9 / p.elapsedNanos()));
    }
    double rate = overallNanos <= 0 ? 0 : connected * 1e9 / overallNanos;
    ObjectNode j = report.json();
    j.put("ws", wsUri.toString());
    j.put("count", count);
    j.put("connected", connected);
    j.put("failed", failed);
    if (firstError != null) {
      j.put("firstError", firstError);
    }
    j.put("processes", n);
    j.put("sourceAddresses", sources.isEmpty() ? "default" : SourceAddresses.join(sources));
    j.put("rateLimit", rateLimit);
    j.put("connectS", Report.round3(overallNanos / 1e9));
    j.put("connectPerSec", Report.round3(rate));
    j.put("connectP50Ms", h.getTotalCount() == 0 ? -1 : Report.round3(h.getValueAtPercentile(50) / 1e6));
    j.put("connectP99Ms", h.getTotalCount() == 0 ? -1 : Report.round3(h.getValueAtPercentile(99) / 1e6));
    j.set("connectMs", Report.latencyMs(h));
    j.put("holdS", Report.round3(hold.toNanos() / 1e9));
    j.put("droppedDuringHold", dropped);
    j.put("closeS", Report.round3(closeNanos / 1e9));
    j.put("generatorCpuConnectS", ownCpuNanos < 0 ? -1 : Report.round3(ownCpuNanos / 1e9));
    j.put("generatorCpuPerConnectionUs", ownCpuNanos < 0 || connected == 0 ? -1
        : Report.round3(ownCpuNanos / 1e3 / connected));
    j.put("generatorCoresWhileConnecting", ownCpuNanos < 0 || overallNanos <= 0 ? -1
        : Report.round3(ownCpuNanos / (double) overallNanos));
    if (serverPid != null) {
      j.put("serverPid", serverPid);
      j.put("rssBeforeBytes", rssBefore);
      j.put("rssAfterBytes", rssAfter);
      boolean ok = rssBefore >= 0 && rssAfter >= 0 && connected > 0;
      j.put("rssPerConnectionBytes", ok ? Report.round3((rssAfter - rssBefore) / (double) connected) : -1);
      if (serverHeap) {
        j.put("serverLiveHeapBeforeBytes", server.heapBefore());
        j.put("serverLiveHeapAfterBytes", server.heapAfter());
        j.put("liveHeapPerConnectionBytes", server.heapRead() && connected > 0
            ? Report.round3((server.heapAfter() - server.heapBefore()) / (double) connected) : -1);
      }
      j.put("serverCpuConnectS", cpuNanos < 0 ? -1 : Report.round3(cpuNanos / 1e9));
      j.put("serverCpuPerConnectionUs", cpuNanos < 0 || connected == 0 ? -1 : Report.round3(cpuNanos / 1e3 / connected));
    }
    j.set("perProcess", per);
    putCommon(report, transport, common);

    report.line("connections: %d requested to %s, %d process(es), source addresses %s, rate limit %s (%s)",
        count, wsUri, n, sources.isEmpty() ? "default" : SourceAddresses.join(sources),
        rateLimit > 0 ? String.format(Locale.ROOT, "%.0f/s", rateLimit) : "none", transport.name());
    report.line("  connected %d, failed %d%s", connected, failed, firstError == null ? "" : " (first error: "
        + firstError + ")");
    report.line("  connect rate %,.1f /s over %.3f s; connect time p50 %.3f ms, p99 %.3f ms, max %.3f ms", rate,
        overallNanos / 1e9, h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(50) / 1e6,
        h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(99) / 1e6,
        h.getTotalCount() == 0 ? -1 : h.getMaxValue() / 1e6);
    if (ownCpuNanos >= 0 && connected > 0 && overallNanos > 0) {
      // on a machine shared with the server, a generator near its cores' limit caps the rate it measures
      report.line("  generator CPU while connecting: %.2f s (%.2f cores), %.0f µs per connection", ownCpuNanos / 1e9,
          ownCpuNanos / (double) overallNanos, ownCpuNanos / 1e3 / connected);
    }
    report.line("  held %s: %d dropped by the server; closed in %.3f s", Durations.format(hold), dropped,
        closeNanos / 1e9);
    if (serverPid != null) {
      if (rssBefore >= 0 && rssAfter >= 0 && connected > 0) {
        report.line("  server pid %d RSS %.1f MiB -> %.1f MiB: %.0f bytes (%.2f KiB) per connection", serverPid,
            rssBefore / 1048576.0, rssAfter / 1048576.0, (rssAfter - rssBefore) / (double) connected,
            (rssAfter - rssBefore) / (double) connected / 1024);
      } else {
        report.line("  server pid %d: RSS not readable (/proc/%d/status)", serverPid, serverPid);
      }
      if (serverHeap && server.heapRead() && connected > 0) {
        report.line("  server live heap after a full GC %.1f MiB -> %.1f MiB: %.0f bytes per connection",
            server.heapBefore() / 1048576.0, server.heapAfter() / 1048576.0,
            (server.heapAfter() - server.heapBefore()) / (double) connected);
      } else if (serverHeap) {
        report.line("  server pid %d: live heap not readable", serverPid);
      }
      if (cpuNanos >= 0 && connected > 0) {
        report.line("  server CPU while connecting: %.2f s, %.0f µs per connection", cpuNanos / 1e9,
            cpuNanos / 1e3 / connected);
      }
    }
  }

  // ---------------------------------------------------------------- child processes

  private record Event(int child, String line) {
  }

  /**
   * Runs n children; returns the overall connect time. Fills {@code sample} with the server's RSS before and after,
   * its CPU time before and after connecting, and its live heap before and after (the fields of {@link
   * ServerSample}, in order).
   */
  private long runChildren(URI wsUri, int n, List<InetAddress> sources, List<Part> parts, long[] sample) {
    List<Process> procs = new ArrayList<>();
    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    try {
      int base = count / n;
      int extra = count % n;
      int first = 0;
      progress("starting %d generator processes for %d connections", n, count);
      for (int k = 0; k < n; k++) {
        int c = base + (k < extra ? 1 : 0);
        Process p = startChild(wsUri, c, first, n, sources);
        procs.add(p);
        first += c;
        int idx = k;
        Thread t = new Thread(() -> pump(idx, p, events), "bench-child-" + k);
        t.setDaemon(true);
        t.start();
      }
      long setupNanos = common.setupTimeout.toNanos();
      awaitAll(events, procs, STAGED, n, TimeUnit.SECONDS.toNanos(60), null);
      sample[4] = liveHeap();
      sample[0] = rss();
      sample[2] = serverCpu();
      long t0 = System.nanoTime();
      tell(procs, "go");
      List<String> connected = new ArrayList<>();
      awaitAll(events, procs, CONNECTED, n, setupNanos + TimeUnit.SECONDS.toNanos(30), connected);
      long overall = System.nanoTime() - t0;
      sample[3] = serverCpu();
      progress("all processes connected in %.3f s; holding %s", overall / 1e9, Durations.format(hold));
      Loops.sleepUntil(System.nanoTime() + hold.toNanos());
      sample[1] = rss();
      sample[5] = liveHeap();
      tell(procs, "close");
      List<String> results = new ArrayList<>();
      awaitAll(events, procs, RESULT, n, TimeUnit.SECONDS.toNanos(60), results);
      for (int k = 0; k < n; k++) {
        JsonNode c = Report.MAPPER.readTree(connected.get(k));
        JsonNode r = Report.MAPPER.readTree(results.get(k));
        parts.add(new Part(c.get("attempted").asInt(), c.get("connected").asInt(), c.get("failed").asInt(),
            c.hasNonNull("firstError") ? c.get("firstError").asText() : null, c.get("elapsedNanos").asLong(),
            decode(c.get("histogram").asText()), r.get("dropped").asInt(), r.get("closeNanos").asLong(),
            c.get("cpuNanos").asLong()));
      }
      for (Process p : procs) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
      return overall;
    } catch (IOException e) {
      throw new BenchException("reading a child's result: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    } finally {
      ChildJvm.stopAll(procs, 10_000);
    }
  }

  private Process startChild(URI wsUri, int c, int first, int n, List<InetAddress> sources) {
    return ChildJvm.start(childHeap, List.of("connections", "--child",
        "--ws", wsUri.toString(),
        "--count", String.valueOf(c),
        "--first-index", String.valueOf(first),
        "--source-addresses", sources.isEmpty() ? "" : SourceAddresses.join(sources),
        "--rate-limit", String.valueOf(rateLimit / n),
        "--transport", common.transport.name().toLowerCase(Locale.ROOT),
        "--client-threads", String.valueOf(common.clientThreads),
        "--uid-mode", common.uidMode.name().toLowerCase(Locale.ROOT),
        "--connect-concurrency", String.valueOf(Math.max(1, common.connectConcurrency / n)),
        "--connect-timeout", common.connectTimeout.toMillis() + "ms",
        "--setup-timeout", common.setupTimeout.toMillis() + "ms",
        "--json-only"));
  }

  private static void pump(int child, Process p, BlockingQueue<Event> events) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        events.add(new Event(child, line));
      }
    } catch (IOException ignored) {
      // the process went away
    }
    events.add(new Event(child, null));
  }

  private static void tell(List<Process> procs, String word) {
    for (Process p : procs) {
      try {
        OutputStream o = p.getOutputStream();
        o.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
      } catch (IOException ignored) {
        // noticed when its answer does not come
      }
    }
  }

  /** Waits until every child printed a line starting with {@code prefix}; collects the rest of the lines. */
  private static void awaitAll(BlockingQueue<Event> events, List<Process> procs, String prefix, int n,
      long timeoutNanos, List<String> payloads) throws InterruptedException {
    String[] got = new String[n];
    int have = 0;
    long deadline = System.nanoTime() + timeoutNanos;
    while (have < n) {
      Event e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new BenchException("child processes did not report '" + prefix.trim() + "' within "
            + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s (" + have + " of " + n + " did)");
      }
      if (e.line() == null) {
        if (got[e.child()] == null) {
          Process p = procs.get(e.child());
          try {
            p.waitFor(5, TimeUnit.SECONDS);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
          throw new BenchException("child process " + e.child() + " ended early"
              + (p.isAlive() ? "" : " with exit code " + p.exitValue()) + " (its error is above)");
        }
        continue;
      }
      if (e.line().startsWith(prefix) && got[e.child()] == null) {
        got[e.child()] = e.line().substring(prefix.length());
        have++;
      }
    }
    if (payloads != null) {
      for (String s : got) {
        payloads.add(s);
      }
    }
  }

  /** Child side: stage, wait for "go", connect, report, wait for "close", close, report, exit. */
  private int runChild(URI wsUri) {
    List<InetAddress> sources = new ArrayList<>();
    if (sourceAddresses != null && !sourceAddresses.isBlank() && !"auto".equalsIgnoreCase(sourceAddresses)) {
      for (String s : sourceAddresses.split(",")) {
        sources.add(SourceAddresses.parse(s.trim()));
      }
    }
    PrintWriter o = out();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    Transport transport = Transport.select(common.transport);
    EventLoopGroup group = transport.newGroup(common.clientThreads, "bench-client");
    WsClients clients = null;
    try {
      clients = newClients(transport, group, wsUri, common, rateLimit, sources, (c, b) -> { });
      o.println(STAGED);
      o.flush();
      if (!"go".equals(readLine(in))) {
        return 1;
      }
      long ownCpu = ProcMetrics.selfCpuNanos();
      WsClients.Result r = clients.connect(firstIndex, count, common.setupTimeout.toMillis());
      ownCpu = ProcMetrics.cpuSpent(ownCpu, ProcMetrics.selfCpuNanos());
      ObjectNode c = Report.MAPPER.createObjectNode();
      c.put("attempted", r.attempted());
      c.put("connected", r.connected());
      c.put("failed", r.failed());
      c.put("firstError", r.firstError());
      c.put("elapsedNanos", r.elapsedNanos());
      c.put("histogram", encode(r.connectNanos()));
      c.put("cpuNanos", ownCpu);
      o.println(CONNECTED + c);
      o.flush();
      readLine(in); // "close", or end of input when the parent went away
      int dropped = clients.droppedCount();
      long t0 = System.nanoTime();
      clients.closeAll(30_000);
      ObjectNode res = Report.MAPPER.createObjectNode();
      res.put("dropped", dropped);
      res.put("closeNanos", System.nanoTime() - t0);
      o.println(RESULT + res);
      o.flush();
      return 0;
    } finally {
      if (clients != null) {
        clients.closeAll(10_000);
      }
      Transport.shutdown(group, 5000);
    }
  }

  private static String readLine(BufferedReader in) {
    try {
      String l = in.readLine();
      return l == null ? null : l.trim();
    } catch (IOException e) {
      return null;
    }
  }

  static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    byte[] bytes = new byte[n];
    buf.flip();
    buf.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (DataFormatException e) {
      throw new BenchException("bad histogram from a child process");
    }
  }
}
