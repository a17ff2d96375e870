package io.pushline.bench.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.Durations;
import io.pushline.bench.Loops;
import io.pushline.bench.PerThread;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.Report;
import io.pushline.bench.TimerSlack;
import io.pushline.bench.net.FrameScan;
import io.pushline.bench.net.IngestHandler;
import io.pushline.bench.net.PushLines;
import io.pushline.bench.net.Reachability;
import io.pushline.bench.net.Registrar;
import io.pushline.bench.net.Transport;
import io.pushline.bench.net.WsClients;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Open-loop latency at a fixed rate, corrected for coordinated omission: push {@code i} is scheduled at
 * {@code start + i/rate}, carries that intended time in its {@code t} field, and its latency is
 * {@code frame received - intended time}. A slow server (or a late generator) therefore shows up as latency
 * instead of silently lowering the send rate.
 */
@Command(name = "latency", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Open-loop latency at a fixed rate, coordinated-omission corrected: p50..max push -> frame.",
        "Connects N WebSocket clients, checks their registration, then writes pushes at a fixed --rate (open loop, "
            + "pipelined over --pushers ingest connections or, with --connect-per-push, a new connection each; "
            + "round-robin over the uids) for --warmup + --duration. "
            + "Latency = frame received by the client - INTENDED send time of the push (coordinated-omission "
            + "corrected); only pushes scheduled after the warm-up are recorded.",
        "Prints a summary and one JSON line {\"scenario\":\"latency\",...}."})
public final class LatencyCommand extends ScenarioCommand {

  private static final FrameScan SEQ = new FrameScan("seq");
  private static final FrameScan T = new FrameScan("t");

  @Option(names = "--rate", defaultValue = "5000", paramLabel = "PUSHES_PER_S",
      description = "Fixed push rate (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--clients", defaultValue = "100", paramLabel = "N",
      description = "WebSocket clients, one uid each (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--idle-clients", defaultValue = "0", paramLabel = "K",
      description = "More WebSocket clients (the uids after the measured ones, on an event loop of their own) that "
          + "are sent nothing: the idle pages a real node holds while it pushes, whose pings and presence refresh "
          + "then run during the measurement (make --duration longer than the server's ping interval). With "
          + "--clients, at most about 19,000 per generator (open files). Default: ${DEFAULT-VALUE}.")
  int idleClients;

  @Option(names = "--pushers", defaultValue = "4", paramLabel = "P",
      description = "Ingest connections the pushes are spread over (pipelined) (default: ${DEFAULT-VALUE}).")
  int pushers;

  @Option(names = "--connect-per-push",
      description = "Open a new ingest connection for every push at its intended time, as the seed's PHP example "
          + "does (connect, write the line, read the reply, close), instead of spreading the pushes over --pushers "
          + "connections; --max-outstanding then bounds the connections in flight.")
  boolean connectPerPush;

  @Option(names = "--duration", defaultValue = "10s", paramLabel = "DURATION",
      description = "Measured interval (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "10s", paramLabel = "DURATION",
      description = "Pushes at the same rate before the measured interval, not recorded; long enough for the "
          + "JIT compilers to finish (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--payload-bytes", defaultValue = "64", paramLabel = "BYTES",
      description = "Size of each JSON line without its newline (default: ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--grace", defaultValue = "2s", paramLabel = "DURATION",
      description = "After the last reply, how long to wait for outstanding deliveries (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(names = "--max-outstanding", defaultValue = "1000000", paramLabel = "N",
      description = "Unanswered lines per ingest connection (with --connect-per-push: connections in flight) above "
          + "which the generator skips a push and counts it as 'skipped' (default: ${DEFAULT-VALUE}).")
  int maxOutstanding;

  @Option(names = "--timer-slack", defaultValue = "1", paramLabel = "NANOS",
      description = "Timer slack of the sending thread, in ns: how late Linux may fire the timer it waits on before "
          + "each push, which counts as latency. 0 keeps the thread's default (50 us on Linux) (default: "
          + "${DEFAULT-VALUE}).")
  long timerSlackNanos;

  @Option(names = "--server-pid", paramLabel = "PID",
      description = "Also report this local process's CPU use over the measured interval (from /proc).")
  Long serverPid;

  @Mixin
  ServerOptions server;

  @Mixin
  CommonOptions common;

  private volatile long origin;
  private volatile long warmupCount = Long.MAX_VALUE;
  private final DeliveryTracker tracker = new DeliveryTracker();
  private final AtomicLong outstanding = new AtomicLong();

  static final class RecvStats {
    long frames;
    long other;
    final Histogram latency = Report.newNanosHistogram();
  }

  private final PerThread<RecvStats> recv = new PerThread<>(RecvStats::new);

  private void onFrame(int client, ByteBuf text) {
    long now = System.nanoTime();
    RecvStats s = recv.get();
    long seq = SEQ.find(text);
    if (seq < 0) {
      s.other++;
      return;
    }
    s.frames++;
    if (tracker.delivered(seq) && seq >= warmupCount) {
      long t = T.find(text);
      if (t >= 0) {
        Report.record(s.latency, now - origin - t);
      }
    }
  }

  /** What the pushes of one lane got back; touched only on the sender's event loop. */
  final class Counts {
    long ok;
    long fails;
    long other;
    long skipped;
    final Histogram replyLatency = Report.newNanosHistogram();
    String error;

    void reply(long seq, long intended, IngestHandler.Reply reply, long now) {
      outstanding.decrementAndGet();
      if (seq >= warmupCount) {
        Report.record(replyLatency, now - intended);
      }
      if (reply == IngestHandler.Reply.OK) {
        ok++;
        tracker.acked(seq);
      } else if (reply == IngestHandler.Reply.FAIL) {
        fails++;
      } else {
        other++;
      }
    }
  }

  /** Where the sender writes a push: a pipelined connection, or a new connection per push. */
  interface Lane {
    /** Writes push {@code seq} due at {@code intended}; false when it was skipped (too many unanswered). */
    boolean send(long seq, long intended);

    void flush();

    Counts counts();
  }

  /** One pipelined ingest connection; all of them live on the sender's event loop. */
  final class Pusher extends IngestHandler implements Lane {
    private final Counts counts = new Counts();
    private long[] ringSeq = new long[1024];
    private long[] ringT = new long[1024];
    private int head;
    private int size;

    @Override
    public Counts counts() {
      return counts;
    }

    @Override
    public boolean send(long seq, long intended) {
      if (size >= maxOutstanding) {
        counts.skipped++;
        return false;
      }
      if (size == ringSeq.length) {
        grow();
      }
      ByteBuf line = PushLines.data(ctx.alloc(), (int) (seq % clients), seq, intended - origin, payloadBytes);
      ctx.write(line, ctx.voidPromise());
      int tail = (head + size) & (ringSeq.length - 1);
      ringSeq[tail] = seq;
      ringT[tail] = intended;
      size++;
      outstanding.incrementAndGet();
      return true;
    }

    private void grow() {
      int n = ringSeq.length;
      long[] s = new long[n * 2];
      long[] t = new long[n * 2];
      for (int i = 0; i < size; i++) {
        s[i] = ringSeq[(head + i) & (n - 1)];
        t[i] = ringT[(head + i) & (n - 1)];
      }
      ringSeq = s;
      ringT = t;
      head = 0;
    }

    @Override
    protected void onReply(Reply reply) {
      long now = System.nanoTime();
      if (size == 0) {
        counts.other++;
        return;
      }
      long seq = ringSeq[head];
      long intended = ringT[head];
      head = (head + 1) & (ringSeq.length - 1);
      size--;
      counts.reply(seq, intended, reply, now);
    }

    @Override
    public void flush() {
      ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (counts.error == null) {
        counts.error = "ingest " + server.ingest + " closed a pusher connection";
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      counts.error = "ingest " + server.ingest + ": " + Reachability.describe(cause);
      ctx.close();
    }
  }

  /**
   * A new ingest connection for every push, opened at the push's intended time, as a PHP script that pushes does:
   * connect, write the line, read the reply, close. As many are in flight as the rate and the server make it, at
   * most {@code --max-outstanding}.
   */
  final class ConnectingPusher implements Lane {
    private final Counts counts = new Counts();
    private final Bootstrap bootstrap;
    private int inFlight;
    long connectFailures;
    long closedBeforeReply;

    ConnectingPusher(Transport transport, EventLoop loop) {
      this.bootstrap = IngestHandler.bootstrap(transport, loop, common.connectTimeout.toMillis());
    }

    @Override
    public Counts counts() {
      return counts;
    }

    @Override
    public boolean send(long seq, long intended) {
      if (inFlight >= maxOutstanding) {
        counts.skipped++;
        return false;
      }
      inFlight++;
      outstanding.incrementAndGet();
      bootstrap.clone().handler(new OnePush(seq, intended)).connect(server.ingest.toAddress())
          .addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
              connectFailures++;
              counts.error = "cannot connect to ingest port " + server.ingest + ": " + Reachability.describe(f.cause());
              inFlight--;
              outstanding.decrementAndGet();
            }
          });
      return true;
    }

    @Override
    public void flush() {
      // each connection flushes its line as soon as it is connected
    }

    /** One push's connection. */
    private final class OnePush extends IngestHandler {
      private final long seq;
      private final long intended;
      private boolean answered;

      OnePush(long seq, long intended) {
        this.seq = seq;
        this.intended = intended;
      }

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(PushLines.data(ctx.alloc(), (int) (seq % clients), seq, intended - origin, payloadBytes),
            ctx.voidPromise());
      }

      @Override
      protected void onReply(Reply reply) {
        if (answered) {
          counts.other++;
          return;
        }
        answered = true;
        counts.reply(seq, intended, reply, System.nanoTime());
        ctx.close();
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        inFlight--;
        if (!answered) {
          closedBeforeReply++;
          outstanding.decrementAndGet();
        }
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        counts.error = "ingest " + server.ingest + ": " + Reachability.describe(cause);
        ctx.close();
      }
    }
  }

  /** Writes pushes on their timeline; runs on the single pusher event loop and reschedules itself. */
  final class Sender implements Runnable {
    private static final int MAX_BATCH = 4096;
    private final Lane[] ps;
    private final EventLoop loop;
    private final long start;
    private final long total;
    private final double periodNanos;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    long sent;
    long written;
    long maxLagNanos;
    final Histogram lag = Report.newNanosHistogram();

    Sender(Lane[] ps, EventLoop loop, long start, long total) {
      this.ps = ps;
      this.loop = loop;
      this.start = start;
      this.total = total;
      this.periodNanos = 1e9 / rate;
    }

    private long intended(long seq) {
      return start + (long) (seq * periodNanos);
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      int batch = 0;
      while (sent < total && intended(sent) - now <= 0 && batch++ < MAX_BATCH) {
        long seq = sent;
        long intended = intended(seq);
        if (ps[(int) (seq % ps.length)].send(seq, intended)) {
          written++;
        }
        long lag = now - intended;
        if (seq >= warmupCount) {
          Report.record(this.lag, lag);
          if (lag > maxLagNanos) {
            maxLagNanos = lag;
          }
        }
        sent++;
      }
      for (Lane p : ps) {
        p.flush();
      }
      if (sent < total) {
        long wait = intended(sent) - System.nanoTime();
        if (wait <= 0) {
          loop.execute(this); // behind the timeline: let the loop read replies, then catch up
        } else {
          loop.schedule(this, wait, TimeUnit.NANOSECONDS);
        }
      } else {
        finished.complete(null);
      }
    }
  }

  @Override
  public Integer call() {
    URI wsUri = checkWs(server.ws);
    checkPositive("--clients", clients);
    if (idleClients < 0) {
      throw new BenchException("--idle-clients must be >= 0");
    }
    checkPositive("--pushers", pushers);
    checkPositive("--duration", duration.toNanos());
    checkPositive("--payload-bytes", payloadBytes);
    checkPositive("--max-outstanding", maxOutstanding);
    if (timerSlackNanos < 0) {
      throw new BenchException("--timer-slack must be >= 0 ns");
    }
    if (!(rate > 0)) {
      throw new BenchException("--rate must be > 0");
    }
    preflightWs(wsUri, common);
    preflightIngest(server.ingest, common);
    checkPid("--server-pid", serverPid);
    Transport transport = Transport.select(common.transport);
    EventLoopGroup clientGroup = transport.newGroup(common.clientThreads, "bench-client");
    EventLoopGroup pusherGroup = transport.newGroup(1, "bench-pusher");
    EventLoop loop = pusherGroup.next();
    EventLoopGroup idleGroup = idleClients > 0 ? transport.newGroup(1, "bench-idle") : null;
    Channel[] channels = new Channel[pushers];
    WsClients ws = null;
    WsClients idle = null;
    Report report = new Report("latency");
    try {
      ws = newClients(transport, clientGroup, wsUri, common, 0, java.util.List.of(), this::onFrame);
      connectAll(ws, wsUri, clients, common);
      if (idleClients > 0) {
        idle = newClients(transport, idleGroup, wsUri, common, 0, java.util.List.of(), (client, text) -> { });
        connectAll(idle, wsUri, clients, idleClients, "idle ", common);
      }
      if (!server.skipRegistrationCheck) {
        Registrar.Result reg = Registrar.register(transport, loop, server.ingest, 0, clients,
            common.setupTimeout.toMillis());
        progress("all %d uids registered (%d probes, %.3f s)", clients, reg.probes(), reg.elapsedNanos() / 1e9);
      }
      ConnectingPusher connecting = connectPerPush ? new ConnectingPusher(transport, loop) : null;
      Lane[] ps;
      if (connectPerPush) {
        ps = new Lane[] {connecting};
      } else {
        ps = new Lane[pushers];
        for (int i = 0; i < pushers; i++) {
          Pusher p = new Pusher();
          channels[i] = IngestHandler.connect(transport, loop, server.ingest, p, common.connectTimeout.toMillis());
          ps[i] = p;
        }
      }
      long warm = (long) Math.ceil(warmup.toNanos() / 1e9 * rate);
      long measured = Math.max(1, (long) Math.floor(duration.toNanos() / 1e9 * rate));
      progress("open loop at %.0f pushes/s over %s: warm-up %s, then measuring %s", rate,
          connectPerPush ? "a connection per push" : pushers + " pushers", Durations.format(warmup),
          Durations.format(duration));
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      origin = start;
      warmupCount = warm;
      long timerSlack = loop.submit(() -> TimerSlack.set(timerSlackNanos)).syncUninterruptibly().getNow();
      Sender sender = new Sender(ps, loop, start, warm + measured);
      loop.schedule(sender, Math.max(0, start - System.nanoTime()), TimeUnit.NANOSECONDS);

      long measureStart = start + (long) (warm * 1e9 / rate);
      Loops.sleepUntil(measureStart);
      long[] gc0 = ProcMetrics.gcTotals();
      long cpu0 = ProcMetrics.selfCpuNanos();
      ProcMetrics.ThreadCpu threads0 = ProcMetrics.ThreadCpu.now();
      long srv0 = serverPid == null ? -1 : ProcMetrics.pidCpuNanos(serverPid);
      ProcMetrics.MachineTicks machine0 = ProcMetrics.MachineTicks.now();
      long wall0 = System.nanoTime();
      long sendTimeout = duration.toNanos() + TimeUnit.SECONDS.toNanos(30);
      try {
        sender.finished.get(sendTimeout, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        throw new BenchException("the send timeline did not finish within " + sendTimeout / 1_000_000_000L + " s");
      }
      long cpu1 = ProcMetrics.selfCpuNanos();
      ProcMetrics.ThreadCpu threads1 = ProcMetrics.ThreadCpu.now();
      long[] gc1 = ProcMetrics.gcTotals();
      long srv1 = serverPid == null ? -1 : ProcMetrics.pidCpuNanos(serverPid);
      long wall1 = System.nanoTime();
      ProcMetrics.MachineTicks machine1 = ProcMetrics.MachineTicks.now();

      Loops.await(() -> outstanding.get() == 0, TimeUnit.SECONDS.toNanos(10) + grace.toNanos(), 5);
      long seqLimit = warm + measured;
      Loops.await(() -> tracker.caughtUp() && tracker.lost(seqLimit) == 0, grace.toNanos(), 10);
      Loops.sync(5000, clientGroup, pusherGroup);

      Histogram latency = Report.newNanosHistogram();
      long frames = 0;
      for (RecvStats s : recv.all()) {
        latency.add(s.latency);
        frames += s.frames;
      }
      Histogram reply = Report.newNanosHistogram();
      long ok = 0;
      long fails = 0;
      long other = 0;
      long skipped = 0;
      String error = null;
      for (Lane p : ps) {
        Counts c = p.counts();
        reply.add(c.replyLatency);
        ok += c.ok;
        fails += c.fails;
        other += c.other;
        skipped += c.skipped;
        if (error == null) {
          error = c.error;
        }
      }
      long lost = tracker.lost(seqLimit);
      long unanswered = outstanding.get();
      double secs = (wall1 - wall0) / 1e9;
      double cpu = ProcMetrics.cpuPercent(cpu0, cpu1, wall1 - wall0);
      double serverCpu = ProcMetrics.cpuPercent(srv0, srv1, wall1 - wall0);

      ObjectNode j = report.json();
      j.put("ws", wsUri.toString());
      j.put("ingest", server.ingest.toString());
      j.put("rate", rate);
      j.put("clients", clients);
      j.put("idleClients", idleClients);
      j.put("idleDropped", idle == null ? 0 : idle.droppedCount());
      j.put("pushers", connectPerPush ? 0 : pushers);
      j.put("connectPerPush", connectPerPush);
      if (connectPerPush) {
        j.put("connectFailures", connecting.connectFailures);
        j.put("closedBeforeReply", connecting.closedBeforeReply);
      }
      j.put("payloadBytes", payloadBytes);
      j.put("warmupS", Report.round3(warmup.toNanos() / 1e9));
      j.put("durationS", Report.round3(duration.toNanos() / 1e9));
      j.put("count", latency.getTotalCount());
      j.put("scheduled", measured);
      j.put("sent", sender.written);
      j.put("ackedOk", ok);
      j.put("fails", fails);
      j.put("lost", lost);
      j.put("duplicates", tracker.duplicates());
      j.put("unanswered", unanswered);
      j.put("skipped", skipped);
      j.put("otherReplies", other);
      j.put("framesTotal", frames);
      j.put("p50Ms", ms(latency, 50));
      j.put("p90Ms", ms(latency, 90));
      j.put("p99Ms", ms(latency, 99));
      j.put("p999Ms", ms(latency, 99.9));
      j.put("maxMs", latency.getTotalCount() == 0 ? -1 : Report.round3(latency.getMaxValue() / 1e6));
      j.set("latencyMs", Report.latencyMs(latency));
      j.set("replyLatencyMs", Report.latencyMs(reply));
      j.put("maxSendLagMs", Report.round3(sender.maxLagNanos / 1e6));
      j.set("sendLagMs", Report.latencyMs(sender.lag));
      j.put("timerSlackNs", timerSlack);
      j.put("cpuPct", Report.round3(cpu));
      if (serverPid != null) {
        j.put("serverPid", serverPid);
        j.put("serverCpuPct", Report.round3(serverCpu));
      }
      j.put("gcCount", gc1[0] - gc0[0]);
      j.put("gcMs", gc1[1] - gc0[1]);
      j.put("cores", Runtime.getRuntime().availableProcessors());
      putCommon(report, transport, common);
      if (error != null) {
        j.put("error", error);
      }

      report.line("latency: %.0f pushes/s open loop, %d clients, %s, %d-byte lines, %s measured after %s "
          + "warm-up (%s)", rate, clients, connectPerPush ? "a connection per push" : pushers + " pushers",
          payloadBytes, Durations.format(duration), Durations.format(warmup), transport.name());
      if (idleClients > 0) {
        report.line("  with %d idle clients connected (%d closed by the server meanwhile)", idleClients,
            idle.droppedCount());
      }
      report.line("  push -> frame (from intended send time): %s", Report.latencyText(latency));
      report.line("  push -> reply (from intended send time): %s", Report.latencyText(reply));
      report.line("  count %d of %d scheduled, fails %d, lost %d, unanswered %d, skipped %d", latency.getTotalCount(),
          measured, fails, lost, unanswered, skipped);
      if (connectPerPush) {
        report.line("  connects failed %d, closed before the reply %d", connecting.connectFailures,
            connecting.closedBeforeReply);
      }
      report.line("  send lag (generator behind its timeline): %s; the sender's timer slack %s",
          Report.latencyText(sender.lag), timerSlack < 0 ? "unknown" : timerSlack + " ns");
      report.line("  generator CPU %.1f%% of one core over %.3f s, %d GC pauses / %d ms%s", cpu, secs,
          gc1[0] - gc0[0], gc1[1] - gc0[1],
          serverPid == null ? ""
          : String.format(Locale.ROOT, ", server pid %d CPU %.1f%%", serverPid, serverCpu));
      report.busiestThread(threads0, threads1, wall1 - wall0);
      report.machineCpu(machine0, machine1);
      if (sender.lag.getTotalCount() > 0 && sender.lag.getValueAtPercentile(99) > 1_000_000) {
        report.line("  WARNING: the generator fell behind its timeline (send lag p99 %.3f ms): this machine is "
            + "overloaded or the generator is the bottleneck; the latencies above include that delay",
            sender.lag.getValueAtPercentile(99) / 1e6);
      }
      if (error != null) {
        report.line("  WARNING: %s", error);
      }
    } finally {
      for (Channel ch : channels) {
        if (ch != null) {
          ch.close();
        }
      }
      if (ws != null) {
        ws.closeAll(10_000);
      }
      if (idle != null) {
        idle.closeAll(10_000);
      }
      Transport.shutdown(pusherGroup, 5000);
      Transport.shutdown(clientGroup, 5000);
      if (idleGroup != null) {
        Transport.shutdown(idleGroup, 5000);
      }
    }
    report.print(out(), common.jsonOnly);
    return 0;
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? -1 : Report.round3(h.getValueAtPercentile(percentile) / 1e6);
  }
}
