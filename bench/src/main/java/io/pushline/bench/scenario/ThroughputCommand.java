package io.pushline.bench.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.CpuPerPush;
import io.pushline.bench.Durations;
import io.pushline.bench.Loops;
import io.pushline.bench.PerThread;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.RedisEndpoint;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Closed-loop throughput: how many pushes per second the server acknowledges and delivers. */
@Command(name = "throughput", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Closed-loop throughput: acks/s, frames delivered/s, fails, lost pushes, latency, generator CPU.",
        "Connects N WebSocket clients (uids bench-0..bench-N-1), checks that each uid is registered, then opens P "
            + "ingest connections that each keep --window lines in flight (window 1 = write a line, wait for its "
            + "reply). Lines go to the uids round-robin. After --warmup, measures for --duration: ok replies/s, "
            + "frames delivered/s, reply latency (line written -> reply read), delivery latency (line written -> "
            + "frame received), fails, and pushes acknowledged ok but never delivered within --grace (lost).",
        "Prints a summary and one JSON line {\"scenario\":\"throughput\",...}."})
public final class ThroughputCommand extends ScenarioCommand {

  private static final FrameScan SEQ = new FrameScan("seq");
  private static final FrameScan T = new FrameScan("t");

  @Option(names = "--clients", defaultValue = "1000", paramLabel = "N",
      description = "WebSocket clients, one uid each (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--pushers", defaultValue = "16", paramLabel = "P",
      description = "Ingest TCP connections (default: ${DEFAULT-VALUE}).")
  int pushers;

  @Option(names = "--window", defaultValue = "1", paramLabel = "W",
      description = "Lines in flight per ingest connection; 1 = closed loop (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--connect-per-push",
      description = "Open a new ingest connection for every push, as the seed's PHP example does: connect, write the "
          + "line, read the reply, close. Needs --window 1; latencies then start when the connect starts.")
  boolean connectPerPush;

  @Option(names = "--duration", defaultValue = "10s", paramLabel = "DURATION",
      description = "Measured interval (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "10s", paramLabel = "DURATION",
      description = "Load before the measured interval, not counted; long enough for the JIT compilers of "
          + "both JVMs to finish, or they take CPU from the measurement (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--payload-bytes", defaultValue = "64", paramLabel = "BYTES",
      description = "Size of each JSON line without its newline (= frame size); padded with \"pad\" "
          + "(default: ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--pusher-threads", defaultValue = "1", paramLabel = "N",
      description = "Event-loop threads for the ingest connections (default: ${DEFAULT-VALUE}).")
  int pusherThreads;

  @Option(names = "--grace", defaultValue = "2s", paramLabel = "DURATION",
      description = "After the last reply, how long to wait for outstanding deliveries before counting a push "
          + "acknowledged ok as lost (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(names = "--server-pid", paramLabel = "PID",
      description = "Also report this local process's CPU use over the measured interval (from /proc).")
  Long serverPid;

  @Option(names = "--redis-pid", paramLabel = "PID",
      description = "Also report this local Redis's CPU use over the measured interval (from /proc); with "
          + "--server-pid, the CPU per push splits into the generator's, the server's, Redis's and the rest of the "
          + "machine's.")
  Long redisPid;

  @Option(names = "--ceiling-redis", paramLabel = "HOST:PORT|SOCKET", converter = RedisEndpoint.Converter.class,
      description = "After the run, run redis-benchmark PUBLISH against this Redis with -c <pushers> -P <window> "
          + "and the same payload size, and report pushes/s / PUBLISH/s. A path (/...) is Redis's unix socket: "
          + "use it when the server reaches Redis over that socket (redis-socket://).")
  RedisEndpoint ceilingRedis;

  @Option(names = "--ceiling-requests", defaultValue = "200000", paramLabel = "N",
      description = "redis-benchmark -n for --ceiling-redis (default: ${DEFAULT-VALUE}).")
  long ceilingRequests;

  @Option(names = "--redis-benchmark", defaultValue = "redis-benchmark", paramLabel = "PATH",
      description = "redis-benchmark executable (default: ${DEFAULT-VALUE}, from PATH).")
  String redisBenchmark;

  @Mixin
  ServerOptions server;

  @Mixin
  CommonOptions common;

  /** Run timeline, published to the event loops through a volatile field. */
  private record Timeline(long origin, long measureStart, long measureEnd) {
  }

  private volatile Timeline timeline = new Timeline(0, Long.MAX_VALUE, Long.MAX_VALUE);
  private final AtomicLong seqGen = new AtomicLong();
  private final DeliveryTracker tracker = new DeliveryTracker();

  /** Receiver-side counters, one set per client event loop. */
  static final class RecvStats {
    long frames;
    long framesInWindow;
    long misrouted;
    long other;
    final Histogram delivery = Report.newNanosHistogram();
  }

  private final PerThread<RecvStats> recv = new PerThread<>(RecvStats::new);

  private void onFrame(int client, ByteBuf text) {
    long now = System.nanoTime();
    RecvStats s = recv.get();
    long seq = SEQ.find(text);
    if (seq < 0) {
      s.other++; // registration probes, anything foreign
      return;
    }
    s.frames++;
    tracker.delivered(seq);
    if (seq % clients != client) {
      s.misrouted++;
    }
    Timeline tl = timeline;
    if (now - tl.measureStart >= 0 && now - tl.measureEnd < 0) {
      s.framesInWindow++;
      long t = T.find(text);
      if (t >= 0) {
        Report.record(s.delivery, now - tl.origin - t);
      }
    }
  }

  /** What one pusher counts, whichever way it reaches the ingest port. */
  final class Tally {
    long sent;
    long okTotal;
    long okInWindow;
    long failTotal;
    long failInWindow;
    long otherReplies;
    final Histogram latency = Report.newNanosHistogram();
    final CompletableFuture<Void> drained = new CompletableFuture<>();

    /**
     * Counts the reply to push {@code seq}, started at {@code t}.
     *
     * @return whether the run still wants pushes
     */
    boolean count(long seq, long t, IngestHandler.Reply reply, long now) {
      Timeline tl = timeline;
      boolean inWindow = now - tl.measureStart >= 0 && now - tl.measureEnd < 0;
      if (inWindow) {
        Report.record(latency, now - t);
      }
      switch (reply) {
        case OK:
          okTotal++;
          tracker.acked(seq);
          if (inWindow) {
            okInWindow++;
          }
          break;
        case FAIL:
          failTotal++;
          if (inWindow) {
            failInWindow++;
          }
          break;
        default:
          otherReplies++;
      }
      return now - tl.measureEnd < 0;
    }

    /** Writes push {@code seq}, started at {@code t}, without flushing. */
    void write(ChannelHandlerContext ctx, long seq, long t) {
      ByteBuf line = PushLines.data(ctx.alloc(), (int) (seq % clients), seq, t - timeline.origin, payloadBytes);
      ctx.write(line, ctx.voidPromise());
      sent++;
    }
  }

  /** A pusher: one tally. */
  interface Pusher {
    Tally tally();

    /** Starts pushing, on the pusher's event loop. */
    void start();

    /** Pushes written and not answered yet. */
    int outstanding();
  }

  /** One ingest connection keeping {@code window} lines in flight. */
  final class WindowPusher extends IngestHandler implements Pusher {
    private final Tally tally = new Tally();
    private final long[] ringSeq = new long[window];
    private final long[] ringT = new long[window];
    private int head;
    private int size;

    @Override
    public Tally tally() {
      return tally;
    }

    @Override
    public void start() {
      ctx.executor().execute(() -> {
        long now = System.nanoTime();
        for (int i = 0; i < window; i++) {
          send(now);
        }
        ctx.flush();
      });
    }

    private void send(long now) {
      long seq = seqGen.getAndIncrement();
      tally.write(ctx, seq, now);
      int tail = head + size;
      if (tail >= window) {
        tail -= window;
      }
      ringSeq[tail] = seq;
      ringT[tail] = now;
      size++;
    }

    @Override
    protected void onReply(Reply reply) {
      long now = System.nanoTime();
      if (size == 0) {
        tally.otherReplies++; // a reply nobody asked for
        return;
      }
      long seq = ringSeq[head];
      long t = ringT[head];
      head = head + 1 == window ? 0 : head + 1;
      size--;
      if (tally.count(seq, t, reply, now)) {
        send(now);
      } else if (size == 0) {
        tally.drained.complete(null);
      }
    }

    @Override
    public int outstanding() {
      return size;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      tally.drained.completeExceptionally(
          new IllegalStateException("ingest " + server.ingest + " closed a pusher connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      tally.drained.completeExceptionally(new IllegalStateException("ingest " + server.ingest + ": "
          + Reachability.describe(cause)));
      ctx.close();
    }
  }

  /**
   * A pusher that opens a connection for every push, as the seed's PHP example does: connect, write the line, read
   * the reply, close. Its latency starts when the connect starts, where a PHP script's push starts.
   */
  final class ConnectingPusher implements Pusher {
    private final Tally tally = new Tally();
    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private long seq;
    private long started;
    private boolean inFlight;
    long connectFailures;
    long closedBeforeReply;
    String lastError;

    ConnectingPusher(Transport transport, EventLoop loop) {
      this.loop = loop;
      this.bootstrap = IngestHandler.bootstrap(transport, loop, common.connectTimeout.toMillis())
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new OnePush());
            }
          });
    }

    @Override
    public Tally tally() {
      return tally;
    }

    @Override
    public void start() {
      loop.execute(this::next);
    }

    @Override
    public int outstanding() {
      return inFlight ? 1 : 0;
    }

    private void next() {
      long now = System.nanoTime();
      if (now - timeline.measureEnd >= 0) {
        tally.drained.complete(null);
        return;
      }
      started = now;
      bootstrap.connect(server.ingest.toAddress()).addListener((ChannelFuture f) -> {
        if (!f.isSuccess()) {
          // a PHP script's stream_socket_client() fails here; the next push tries again after a breath
          connectFailures++;
          lastError = Reachability.describe(f.cause());
          loop.schedule(this::next, 1, TimeUnit.MILLISECONDS);
        }
      });
    }

    /** The handler of one push's connection. */
    private final class OnePush extends IngestHandler {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        seq = seqGen.getAndIncrement();
        inFlight = true;
        tally.write(ctx, seq, started);
        ctx.flush();
      }

      @Override
      protected void onReply(Reply reply) {
        if (!inFlight) {
          tally.otherReplies++;
          return;
        }
        inFlight = false;
        tally.count(seq, started, reply, System.nanoTime());
        ctx.close();
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        if (inFlight) {
          inFlight = false;
          closedBeforeReply++;
        }
        next();
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        lastError = Reachability.describe(cause);
        ctx.close();
      }
    }
  }

  @Override
  public Integer call() {
    URI wsUri = checkWs(server.ws);
    checkPositive("--clients", clients);
    checkPositive("--pushers", pushers);
    checkPositive("--window", window);
    if (connectPerPush && window != 1) {
      throw new BenchException("--connect-per-push writes one line per connection: it needs --window 1, not " + window);
    }
    checkPositive("--duration", duration.toNanos());
    checkPositive("--payload-bytes", payloadBytes);
    if (payloadBytes > PushLines.MAX_PAYLOAD) {
      throw new BenchException("--payload-bytes must be <= " + PushLines.MAX_PAYLOAD);
    }
    preflightWs(wsUri, common);
    preflightIngest(server.ingest, common);
    checkPid("--server-pid", serverPid);
    checkPid("--redis-pid", redisPid);
    Transport transport = Transport.select(common.transport);
    EventLoopGroup clientGroup = transport.newGroup(common.clientThreads, "bench-client");
    EventLoopGroup pusherGroup = transport.newGroup(pusherThreads, "bench-pusher");
    WsClients ws = null;
    List<Pusher> ps = new ArrayList<>();
    List<Channel> channels = new ArrayList<>();
    List<ConnectingPusher> connecting = new ArrayList<>();
    Report report = new Report("throughput");
    try {
      ws = newClients(transport, clientGroup, wsUri, common, 0, List.of(), this::onFrame);
      WsClients.Result conn = connectAll(ws, wsUri, clients, common);
      long registrationNanos = -1;
      if (!server.skipRegistrationCheck) {
        Registrar.Result reg = Registrar.register(transport, pusherGroup, server.ingest, 0, clients,
            common.setupTimeout.toMillis());
        registrationNanos = reg.elapsedNanos();
        progress("all %d uids registered (%d probes, %.3f s)", clients, reg.probes(), registrationNanos / 1e9);
      }
      for (int i = 0; i < pushers; i++) {
        if (connectPerPush) {
          ConnectingPusher p = new ConnectingPusher(transport, pusherGroup.next());
          connecting.add(p);
          ps.add(p);
        } else {
          WindowPusher p = new WindowPusher();
          channels.add(IngestHandler.connect(transport, pusherGroup, server.ingest, p, common.connectTimeout.toMillis()));
          ps.add(p);
        }
      }
      progress("%d pushers x %s: warm-up %s, then measuring %s", pushers,
          connectPerPush ? "a connection per push" : "window " + window, Durations.format(warmup),
          Durations.format(duration));
      long origin = System.nanoTime();
      long measureStart = origin + warmup.toNanos();
      long measureEnd = measureStart + duration.toNanos();
      timeline = new Timeline(origin, measureStart, measureEnd);
      ps.forEach(Pusher::start);
      Loops.sleepUntil(measureStart);
      long[] gc0 = ProcMetrics.gcTotals();
      long cpu0 = ProcMetrics.selfCpuNanos();
      ProcMetrics.ThreadCpu threads0 = ProcMetrics.ThreadCpu.now();
      long srv0 = serverPid == null ? -1 : ProcMetrics.pidCpuNanos(serverPid);
      long redis0 = redisPid == null ? -1 : ProcMetrics.pidCpuNanos(redisPid);
      ProcMetrics.MachineTicks machine0 = ProcMetrics.MachineTicks.now();
      long wall0 = System.nanoTime();
      Loops.sleepUntil(measureEnd);
      long cpu1 = ProcMetrics.selfCpuNanos();
      ProcMetrics.ThreadCpu threads1 = ProcMetrics.ThreadCpu.now();
      long[] gc1 = ProcMetrics.gcTotals();
      long srv1 = serverPid == null ? -1 : ProcMetrics.pidCpuNanos(serverPid);
      long redis1 = redisPid == null ? -1 : ProcMetrics.pidCpuNanos(redisPid);
      long wall1 = System.nanoTime();
      ProcMetrics.MachineTicks machine1 = ProcMetrics.MachineTicks.now();

      // every written line gets its reply (bounded), then deliveries get the grace period
      long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10) + grace.toNanos();
      String pusherError = null;
      for (Pusher p : ps) {
        try {
          p.tally().drained.get(Math.max(1, drainDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          break;
        } catch (java.util.concurrent.ExecutionException e) {
          if (pusherError == null) {
            pusherError = e.getCause().getMessage();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      long seqLimit = seqGen.get();
      Loops.await(() -> tracker.caughtUp() && tracker.lost(seqLimit) == 0, grace.toNanos(), 10);
      Loops.sync(5000, clientGroup, pusherGroup);

      long lost = tracker.lost(seqLimit);
      long okInWindow = 0;
      long failInWindow = 0;
      long failTotal = 0;
      long okTotal = 0;
      long other = 0;
      long unanswered = 0;
      Histogram latency = Report.newNanosHistogram();
      for (Pusher p : ps) {
        Tally t = p.tally();
        okInWindow += t.okInWindow;
        failInWindow += t.failInWindow;
        failTotal += t.failTotal;
        okTotal += t.okTotal;
        other += t.otherReplies;
        unanswered += p.outstanding();
        latency.add(t.latency);
      }
      long connectFailures = 0;
      long closedBeforeReply = 0;
      String connectError = null;
      for (ConnectingPusher p : connecting) {
        connectFailures += p.connectFailures;
        closedBeforeReply += p.closedBeforeReply;
        connectError = p.lastError != null ? p.lastError : connectError;
      }
      long framesInWindow = 0;
      long frames = 0;
      long misrouted = 0;
      Histogram delivery = Report.newNanosHistogram();
      for (RecvStats s : recv.all()) {
        framesInWindow += s.framesInWindow;
        frames += s.frames;
        misrouted += s.misrouted;
        delivery.add(s.delivery);
      }
      // counts are taken over the exact timeline interval [measureStart, measureEnd); CPU over the sampled one
      double secs = duration.toNanos() / 1e9;
      double acksPerSec = okInWindow / secs;
      double framesPerSec = framesInWindow / secs;
      double cpu = ProcMetrics.cpuPercent(cpu0, cpu1, wall1 - wall0);
      double serverCpu = ProcMetrics.cpuPercent(srv0, srv1, wall1 - wall0);
      double redisCpu = ProcMetrics.cpuPercent(redis0, redis1, wall1 - wall0);
      int dropped = ws.droppedCount();

      ObjectNode j = report.json();
      j.put("ws", wsUri.toString());
      j.put("ingest", server.ingest.toString());
      j.put("clients", clients);
      j.put("pushers", pushers);
      j.put("window", window);
      j.put("connectPerPush", connectPerPush);
      if (connectPerPush) {
        j.put("connectFailures", connectFailures);
        j.put("closedBeforeReply", closedBeforeReply);
        if (connectError != null) {
          j.put("connectError", connectError);
        }
      }
      j.put("pusherThreads", pusherThreads);
      j.put("payloadBytes", payloadBytes);
      j.put("warmupS", Report.round3(warmup.toNanos() / 1e9));
      j.put("durationS", Report.round3(secs));
      j.put("acks", okInWindow);
      j.put("acksPerSec", Report.round3(acksPerSec));
      j.put("frames", framesInWindow);
      j.put("framesPerSec", Report.round3(framesPerSec));
      j.put("fails", failTotal);
      j.put("failsInWindow", failInWindow);
      j.put("lost", lost);
      j.put("sent", seqLimit);
      j.put("ackedOk", okTotal);
      j.put("delivered", tracker.deliveredCount());
      j.put("duplicates", tracker.duplicates());
      j.put("unexpected", tracker.unexpected(seqLimit));
      j.put("misrouted", misrouted);
      j.put("unanswered", unanswered);
      j.put("otherReplies", other);
      j.put("droppedClients", dropped);
      j.put("graceS", Report.round3(grace.toNanos() / 1e9));
      j.set("latencyMs", Report.latencyMs(latency));
      j.set("deliveryLatencyMs", Report.latencyMs(delivery));
      j.put("cpuPct", Report.round3(cpu));
      if (serverPid != null) {
        j.put("serverPid", serverPid);
        j.put("serverCpuPct", Report.round3(serverCpu));
      }
      if (redisPid != null) {
        j.put("redisPid", redisPid);
        j.put("redisCpuPct", Report.round3(redisCpu));
      }
      j.put("gcCount", gc1[0] - gc0[0]);
      j.put("gcMs", gc1[1] - gc0[1]);
      j.put("cores", Runtime.getRuntime().availableProcessors());
      j.put("connectS", Report.round3(conn.elapsedNanos() / 1e9));
      j.put("registrationS", registrationNanos < 0 ? -1 : Report.round3(registrationNanos / 1e9));
      putCommon(report, transport, common);
      if (pusherError != null) {
        j.put("error", pusherError);
      }

      report.line("throughput: %d clients, %d pushers x %s, %d-byte lines, %s measured after %s warm-up "
          + "(%s, %d client / %d pusher threads)", clients, pushers,
          connectPerPush ? "a connection per push" : "window " + window, payloadBytes, Durations.format(duration),
          Durations.format(warmup), transport.name(), common.clientThreads, pusherThreads);
      report.line("  acks/s          %,.1f  (%,d ok replies in %.3f s)", acksPerSec, okInWindow, secs);
      report.line("  frames/s        %,.1f  (%,d frames received)", framesPerSec, framesInWindow);
      report.line("  fails %d, lost %d (grace %s), duplicates %d, unexpected %d, misrouted %d, unanswered %d",
          failTotal, lost, Durations.format(grace), tracker.duplicates(), tracker.unexpected(seqLimit), misrouted,
          unanswered);
      if (connectPerPush) {
        report.line("  connects failed %d, closed before the reply %d%s", connectFailures, closedBeforeReply,
            connectError == null ? "" : " (last: " + connectError + ")");
      }
      report.line("  reply latency   %s%s", Report.latencyText(latency), connectPerPush ? " (from the connect)" : "");
      report.line("  delivery latency %s", Report.latencyText(delivery));
      report.line("  generator CPU   %.1f%% of one core (%d cores), %d GC pauses / %d ms%s", cpu,
          Runtime.getRuntime().availableProcessors(), gc1[0] - gc0[0], gc1[1] - gc0[1],
          serverPid == null ? "" : String.format(java.util.Locale.ROOT, ", server pid %d CPU %.1f%%", serverPid,
              serverCpu));
      report.busiestThread(threads0, threads1, wall1 - wall0);
      double[] machine = report.machineCpu(machine0, machine1);
      CpuPerPush perPush = CpuPerPush.of(acksPerSec, cpu, serverCpu, redisCpu, machine == null ? -1 : machine[0],
          Runtime.getRuntime().availableProcessors());
      perPush.putJson(j);
      if (perPush.text() != null) {
        report.line("%s", perPush.text());
      }
      if (frames == 0 && okTotal > 0) {
        report.line("  WARNING: the server acknowledged pushes but no client received a frame");
      }
      if (dropped > 0) {
        report.line("  WARNING: %d clients were disconnected by the server during the run", dropped);
      }
      if (pusherError != null) {
        report.line("  WARNING: %s", pusherError);
      }
    } finally {
      for (Channel ch : channels) {
        ch.close();
      }
      if (ws != null) {
        ws.closeAll(10_000);
      }
      Transport.shutdown(pusherGroup, 5000);
      Transport.shutdown(clientGroup, 5000);
    }

    if (ceilingRedis != null) {
      progress("ceiling: redis-benchmark PUBLISH against %s with -c %d -P %d -n %d", ceilingRedis, pushers, window,
          ceilingRequests);
      RedisCeiling.Result c = RedisCeiling.run(redisBenchmark, ceilingRedis, pushers, window, ceilingRequests,
          payloadBytes, "bench-ceiling", Duration.ofMinutes(10));
      double acksPerSec = report.json().get("acksPerSec").asDouble();
      double ratio = c.requestsPerSecond() > 0 ? acksPerSec / c.requestsPerSecond() : -1;
      ObjectNode cj = report.json().putObject("ceiling");
      cj.put("redis", ceilingRedis.toString());
      cj.put("concurrency", pushers);
      cj.put("pipeline", window);
      cj.put("requests", ceilingRequests);
      cj.put("publishPerSec", Report.round3(c.requestsPerSecond()));
      cj.put("p50Ms", c.p50LatencyMs());
      report.json().put("ceilingRatio", Report.round3(ratio));
      report.line("  Redis ceiling   %,.1f PUBLISH/s (%s, -c %d -P %d); pushes/s / PUBLISH/s = %.3f",
          c.requestsPerSecond(), ceilingRedis, pushers, window, ratio);
    }
    report.print(out(), common.jsonOnly);
    return 0;
  }
}
