package io.pushline.bench.scenario;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.Durations;
import io.pushline.bench.Loops;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.Report;
import io.pushline.bench.net.FrameScan;
import io.pushline.bench.net.IngestHandler;
import io.pushline.bench.net.PushLines;
import io.pushline.bench.net.Reachability;
import io.pushline.bench.net.Registrar;
import io.pushline.bench.net.Transport;
import io.pushline.bench.net.WsClients;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fan-out of one {@code {"broadcast":true,...}} line to every connected client. */
@Command(name = "broadcast", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Broadcast fan-out: time until the first and the last client got {\"broadcast\":true}.",
        "Connects K WebSocket clients, checks their registration, then --repeat times: writes one line "
            + "{\"broadcast\":true,\"round\":R,\"t\":...} to the ingest port and measures, from the moment it was "
            + "written, when the first and the last client received it, and how many did (within --timeout). "
            + "Reports each round and the medians.",
        "Prints a summary and one JSON line {\"scenario\":\"broadcast\",...}."})
public final class BroadcastCommand extends ScenarioCommand {

  private static final FrameScan ROUND = new FrameScan("round");

  @Option(names = "--clients", defaultValue = "1000", paramLabel = "K",
      description = "WebSocket clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--repeat", defaultValue = "5", paramLabel = "N",
      description = "Broadcasts, one after the other (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--interval", defaultValue = "500ms", paramLabel = "DURATION",
      description = "Pause between the end of a round and the next broadcast (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(names = "--timeout", defaultValue = "10s", paramLabel = "DURATION",
      description = "How long a round waits for all clients to receive the broadcast (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--server-pid", paramLabel = "PID",
      description = "Also report this local process's CPU per round (from /proc, 10 ms ticks: use many rounds).")
  Long serverPid;

  @Option(names = "--payload-bytes", defaultValue = "64", paramLabel = "BYTES",
      description = "Size of the broadcast line without its newline (default: ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--floor",
      description = "After the rounds, measure this machine's floor for the same fan-out: a child process that only "
          + "writes the same frame to K loopback connections from --floor-threads threads, read here; reports its "
          + "median and floorMultiple, the broadcast's median last as a multiple of it.")
  boolean floor;

  @Option(names = "--floor-threads", paramLabel = "N",
      description = "The floor's writing threads (default: this machine's cores, as the server's event loops).")
  Integer floorThreads;

  @Mixin
  ServerOptions server;

  @Mixin
  CommonOptions common;

  private volatile long origin;

  /** Arrivals of one round. */
  static final class Round {
    final AtomicInteger received = new AtomicInteger();
    /** Completed by the arrival that makes every client's. */
    final CompletableFuture<Void> all = new CompletableFuture<>();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
    final AtomicLongArray seen;

    Round(int clients) {
      seen = new AtomicLongArray((clients + 63) / 64);
    }
  }

  private volatile Round[] rounds = new Round[0];

  private void onFrame(int client, ByteBuf text) {
    long now = System.nanoTime();
    long r = ROUND.find(text);
    Round[] rs = rounds;
    if (r < 1 || r > rs.length) {
      return; // registration probes, anything foreign
    }
    Round round = rs[(int) r - 1];
    long mask = 1L << (client & 63);
    long prev = round.seen.getAndAccumulate(client >>> 6, mask, (a, b) -> a | b);
    if ((prev & mask) != 0) {
      round.duplicates.incrementAndGet();
      return;
    }
    round.first.accumulateAndGet(now, Math::min);
    round.last.accumulateAndGet(now, Math::max);
    if (round.received.incrementAndGet() == clients) {
      round.all.complete(null);
    }
  }

  /** The ingest connection: one line per round, one reply each. */
  static final class Writer extends IngestHandler {
    volatile CompletableFuture<Reply> reply = new CompletableFuture<>();

    @Override
    protected void onReply(Reply r) {
      reply.complete(r);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      reply.completeExceptionally(new IllegalStateException("the ingest port closed the connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      reply.completeExceptionally(new IllegalStateException(Reachability.describe(cause)));
      ctx.close();
    }
  }

  @Override
  public Integer call() {
    URI wsUri = checkWs(server.ws);
    checkPositive("--clients", clients);
    checkPositive("--repeat", repeat);
    checkPositive("--payload-bytes", payloadBytes);
    preflightWs(wsUri, common);
    preflightIngest(server.ingest, common);
    checkPid("--server-pid", serverPid);
    Transport transport = Transport.select(common.transport);
    EventLoopGroup clientGroup = transport.newGroup(common.clientThreads, "bench-client");
    EventLoopGroup pusherGroup = transport.newGroup(1, "bench-pusher");
    WsClients ws = null;
    Channel ch = null;
    Report report = new Report("broadcast");
    try {
      ws = newClients(transport, clientGroup, wsUri, common, 0, List.of(), this::onFrame);
      connectAll(ws, wsUri, clients, common);
      if (!server.skipRegistrationCheck) {
        Registrar.Result reg = Registrar.register(transport, pusherGroup, server.ingest, 0, clients,
            common.setupTimeout.toMillis());
        progress("all %d uids registered (%.3f s)", clients, reg.elapsedNanos() / 1e9);
      }
      Round[] rs = new Round[repeat];
      for (int i = 0; i < repeat; i++) {
        rs[i] = new Round(clients);
      }
      rounds = rs;
      Writer writer = new Writer();
      ch = IngestHandler.connect(transport, pusherGroup, server.ingest, writer, common.connectTimeout.toMillis());
      origin = System.nanoTime();
      ArrayNode roundsJson = Report.MAPPER.createArrayNode();
      double[] firsts = new double[repeat];
      double[] lasts = new double[repeat];
      int withArrivals = 0;
      int complete = 0;
      String error = null;
      // CPU spent during the rounds, the pauses between them left out: the generator's, and the server's if known
      long ownCpu = 0;
      long serverCpu = 0;
      ProcMetrics.MachineTicks machine = ProcMetrics.MachineTicks.NONE;
      int roundsRun = 0;
      for (int i = 0; i < repeat; i++) {
        int r = i + 1;
        Round round = rs[i];
        writer.reply = new CompletableFuture<>();
        long ownCpuBefore = ProcMetrics.selfCpuNanos();
        long serverCpuBefore = serverCpu();
        ProcMetrics.MachineTicks machineBefore = ProcMetrics.MachineTicks.now();
        long written = System.nanoTime();
        ByteBuf line = PushLines.broadcast(ch.alloc(), r, written - origin, payloadBytes);
        ch.writeAndFlush(line);
        String replyText;
        long replyNanos = -1;
        try {
          IngestHandler.Reply rep = writer.reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          replyNanos = System.nanoTime() - written;
          replyText = rep.name().toLowerCase(Locale.ROOT);
        } catch (java.util.concurrent.TimeoutException e) {
          replyText = "none";
        } catch (java.util.concurrent.ExecutionException e) {
          replyText = "error";
          error = e.getCause().getMessage();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
        long left = Math.max(0, timeout.toNanos() - (System.nanoTime() - written));
        Loops.await(round.all, left);
        ownCpu = addSpent(ownCpu, ownCpuBefore, ProcMetrics.selfCpuNanos());
        serverCpu = addSpent(serverCpu, serverCpuBefore, serverCpu());
        machine = machine == null ? null : machine.plus(machineBefore, ProcMetrics.MachineTicks.now());
        int got = round.received.get();
        double firstMs = got == 0 ? -1 : (round.first.get() - written) / 1e6;
        double lastMs = got == 0 ? -1 : (round.last.get() - written) / 1e6;
        if (got > 0) {
          firsts[withArrivals] = firstMs;
          lasts[withArrivals] = lastMs;
          withArrivals++;
        }
        if (got == clients) {
          complete++;
        }
        ObjectNode o = roundsJson.addObject();
        o.put("round", r);
        o.put("reply", replyText);
        o.put("replyMs", replyNanos < 0 ? -1 : Report.round3(replyNanos / 1e6));
        o.put("received", got);
        o.put("firstMs", Report.round3(firstMs));
        o.put("lastMs", Report.round3(lastMs));
        report.line("  round %d: reply %s%s, received by %d of %d, first %.3f ms, last %.3f ms", r, replyText,
            replyNanos < 0 ? "" : String.format(Locale.ROOT, " (%.3f ms)", replyNanos / 1e6), got, clients, firstMs,
            lastMs);
        roundsRun++;
        if (error != null) {
          break;
        }
        if (i + 1 < repeat) {
          Loops.sleepUntil(System.nanoTime() + interval.toNanos());
        }
      }
      double ownCpuMsPerRound = ownCpu < 0 || roundsRun == 0 ? -1 : ownCpu / 1e6 / roundsRun;
      double serverCpuMsPerRound = serverCpu < 0 || roundsRun == 0 ? -1 : serverCpu / 1e6 / roundsRun;
      Loops.sync(5000, clientGroup);
      int duplicates = 0;
      for (Round round : rs) {
        duplicates += round.duplicates.get();
      }
      double medFirst = median(Arrays.copyOf(firsts, withArrivals));
      double medLast = median(Arrays.copyOf(lasts, withArrivals));
      ObjectNode j = report.json();
      j.put("ws", wsUri.toString());
      j.put("ingest", server.ingest.toString());
      j.put("clients", clients);
      j.put("repeat", repeat);
      j.put("payloadBytes", payloadBytes);
      j.put("roundsComplete", complete);
      j.put("medianFirstMs", Report.round3(medFirst));
      j.put("medianLastMs", Report.round3(medLast));
      j.put("duplicates", duplicates);
      j.put("generatorCpuMsPerRound", Report.round3(ownCpuMsPerRound));
      if (serverPid != null) {
        j.put("serverPid", serverPid);
        j.put("serverCpuMsPerRound", Report.round3(serverCpuMsPerRound));
      }
      j.set("rounds", roundsJson);
      putCommon(report, transport, common);
      if (error != null) {
        j.put("error", error);
      }
      List<String> head = new ArrayList<>();
      head.add(String.format(Locale.ROOT, "broadcast: %d clients, %d rounds, %d-byte line, timeout %s (%s)", clients,
          repeat, payloadBytes, Durations.format(timeout), transport.name()));
      head.addAll(report.lines());
      head.add(String.format(Locale.ROOT, "  median: first %.3f ms, last %.3f ms; %d of %d rounds reached every "
          + "client; duplicates %d", medFirst, medLast, complete, repeat, duplicates));
      // the clients' reads share the machine with the server's writes: a round costs the generator about this
      head.add(String.format(Locale.ROOT, "  CPU per round (pauses left out): generator %.1f ms%s", ownCpuMsPerRound,
          serverPid == null ? "" : String.format(Locale.ROOT, ", server %.1f ms", serverCpuMsPerRound)));
      report.lines().clear();
      report.lines().addAll(head);
      report.machineCpu(ProcMetrics.MachineTicks.NONE, machine); // over the rounds, as the CPU per round
      if (error != null) {
        report.line("  WARNING: %s", error);
      }
    } finally {
      if (ch != null) {
        ch.close();
      }
      if (ws != null) {
        ws.closeAll(10_000);
      }
      Transport.shutdown(pusherGroup, 5000);
      Transport.shutdown(clientGroup, 5000);
    }
    if (floor) {
      measureFloor(report);
    }
    report.print(out(), common.jsonOnly);
    return 0;
  }

  /** Runs {@link FanoutFloor} with the broadcast's clients, rounds and reading threads, its clients closed. */
  private void measureFloor(Report report) {
    int threads = floorThreads != null ? floorThreads : Runtime.getRuntime().availableProcessors();
    checkPositive("--floor-threads", threads);
    progress("floor: %d loopback connections, the frame written from %d threads, %d rounds", clients, threads, repeat);
    Transport transport = Transport.select(common.transport);
    EventLoopGroup readers = transport.newGroup(common.clientThreads, "bench-floor");
    FanoutFloor.Result f;
    try {
      f = FanoutFloor.run(transport, readers, clients, threads, payloadBytes, repeat, interval, timeout,
          common.setupTimeout);
    } finally {
      Transport.shutdown(readers, 5000);
    }
    ObjectNode fj = report.json().putObject("floor");
    fj.put("clients", f.clients());
    fj.put("senderThreads", f.senderThreads());
    fj.put("frameBytes", f.frameBytes());
    fj.put("rounds", f.rounds());
    fj.put("roundsComplete", f.roundsComplete());
    fj.put("medianFirstMs", Report.round3(f.medianFirstMs()));
    fj.put("medianLastMs", Report.round3(f.medianLastMs()));
    fj.put("senderCpuMsPerRound", Report.round3(f.senderCpuMsPerRound()));
    fj.put("generatorCpuMsPerRound", Report.round3(f.generatorCpuMsPerRound()));
    double[] machine = ProcMetrics.MachineTicks.sharesBetween(ProcMetrics.MachineTicks.NONE, f.machine());
    if (machine != null) {
      fj.put("machineBusyPct", Report.round3(machine[0]));
      fj.put("machineStealPct", Report.round3(machine[1]));
    }
    if (f.error() != null) {
      fj.put("error", f.error());
    }
    double last = report.json().path("medianLastMs").asDouble(-1);
    double multiple = last > 0 && f.medianLastMs() > 0 ? last / f.medianLastMs() : -1;
    report.json().put("floorMultiple", Report.round3(multiple));
    report.line("  machine floor: last %.3f ms, first %.3f ms (%d of %d rounds; %d threads writing the %d-byte frame, "
        + "CPU per round: sender %.1f ms, generator %.1f ms%s); the broadcast's last = %.2f× it", f.medianLastMs(),
        f.medianFirstMs(), f.roundsComplete(), f.rounds(), f.senderThreads(), f.frameBytes(),
        f.senderCpuMsPerRound(), f.generatorCpuMsPerRound(),
        machine == null ? "" : String.format(Locale.ROOT, "; %.1f%% stolen", machine[1]), multiple);
    if (f.error() != null) {
      report.line("  WARNING: %s", f.error());
    }
  }

  private long serverCpu() {
    return serverPid == null ? 0 : ProcMetrics.pidCpuNanos(serverPid);
  }

  /** {@code total} plus what was spent between two readings; -1 once a reading failed. */
  static long addSpent(long total, long before, long after) {
    long spent = ProcMetrics.cpuSpent(before, after);
    return total < 0 || spent < 0 ? -1 : total + spent;
  }

  static double median(double[] v) {
    if (v.length == 0) {
      return -1;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
}
