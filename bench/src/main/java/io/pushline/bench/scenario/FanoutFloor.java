package io.pushline.bench.scenario;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.pushline.bench.BenchException;
import io.pushline.bench.ChildJvm;
import io.pushline.bench.Loops;
import io.pushline.bench.ProcMetrics;
import io.pushline.bench.net.FrameScan;
import io.pushline.bench.net.PushLines;
import io.pushline.bench.net.ServerFrames;
import io.pushline.bench.net.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This machine's floor for a broadcast: the time for {@code threads} threads that do nothing but write one frame,
 * prepared once, to each of K loopback TCP connections, until the generator has read all K. It is to the broadcast
 * what {@link RedisCeiling} is to the closed loop: what these cores give any server, in the same run, so that a
 * broadcast's time reads as a multiple of it. On loopback a send also runs the receiving socket's TCP input and
 * wakes its reader, and the readers share the cores with the writers, so the floor holds the generator's reads as
 * the broadcast's time does.
 *
 * <p>The sender is a child JVM ({@link FloorSenderCommand}). The readers are the generator's own: its transport,
 * as many event loops as the broadcast's clients, and the same WebSocket stack ({@link ServerFrames}) with the
 * same scan of each message for its round, so that the broadcast and its floor differ only in the server. The frame
 * is the broadcast line of round 0 as a server sends it.
 */
final class FanoutFloor {

  /**
   * What one floor run measured; times in ms, -1 where nothing arrived or CPU was unreadable; {@code machine} is the
   * machine's CPU ticks over the rounds (null if /proc/stat could not be read).
   */
  record Result(int clients, int senderThreads, int frameBytes, int rounds, int roundsComplete, double medianFirstMs,
      double medianLastMs, double senderCpuMsPerRound, double generatorCpuMsPerRound,
      ProcMetrics.MachineTicks machine, String error) {
  }

  private static final FrameScan ROUND = new FrameScan("round");

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong garbled = new AtomicLong();
  private final AtomicLong firstAt = new AtomicLong();
  private final AtomicLong lastAt = new AtomicLong();
  private volatile long expected = Long.MAX_VALUE;
  /** Completed by the round's last frame. */
  private volatile CompletableFuture<Void> roundDone = new CompletableFuture<>();

  private FanoutFloor() {
  }

  /** Bytes of a server's text frame of {@code textBytes}: unmasked, its length, the text. */
  static int frameBytes(int textBytes) {
    return textBytes + (textBytes < 126 ? 2 : textBytes < 65_536 ? 4 : 10);
  }

  /**
   * The frame a server sends for the broadcast line of round 0 padded to {@code payloadBytes} (the line without its
   * newline), in a direct buffer ready to write.
   */
  static ByteBuffer frame(int payloadBytes) {
    ByteBuf line = PushLines.broadcast(UnpooledByteBufAllocator.DEFAULT, 0, 0, payloadBytes);
    try {
      int text = line.readableBytes() - 1;
      ByteBuffer b = ByteBuffer.allocateDirect(frameBytes(text));
      b.put((byte) 0x81); // FIN, text
      if (text < 126) {
        b.put((byte) text);
      } else if (text < 65_536) {
        b.put((byte) 126).putShort((short) text);
      } else {
        b.put((byte) 127).putLong(text);
      }
      b.put(line.nioBuffer(line.readerIndex(), text));
      return b.flip();
    } finally {
      line.release();
    }
  }

  static Result run(Transport transport, EventLoopGroup readers, int clients, int threads,
      int payloadBytes, int rounds, Duration interval, Duration timeout, Duration setupTimeout) {
    return new FanoutFloor().measure(transport, readers, clients, threads, payloadBytes, rounds, interval, timeout,
        setupTimeout);
  }

  /** Counts messages; one whose round is not the floor's 0 arrived garbled. */
  @Sharable
  private final class Counter extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (!(msg instanceof TextWebSocketFrame frame)) {
          return;
        }
        long now = System.nanoTime();
        if (ROUND.find(frame.content()) != 0) {
          garbled.incrementAndGet();
          return;
        }
        if (firstAt.get() == 0) {
          firstAt.compareAndSet(0, now);
        }
        if (received.incrementAndGet() >= expected && lastAt.compareAndSet(0, now)) {
          roundDone.complete(null);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private Result measure(Transport transport, EventLoopGroup readers, int clients, int threads,
      int payloadBytes, int rounds, Duration interval, Duration timeout, Duration setupTimeout) {
    int frameBytes = frame(payloadBytes).remaining();
    Process sender = ChildJvm.start("64m", List.of("floor-sender", "--clients", String.valueOf(clients),
        "--threads", String.valueOf(threads), "--payload-bytes", String.valueOf(payloadBytes)));
    List<Channel> channels = new ArrayList<>(clients);
    try {
      BlockingQueue<String> lines = pump(sender);
      long setupNanos = setupTimeout.toNanos();
      int port = Integer.parseInt(await(lines, "port ", setupNanos, sender));
      connect(transport, readers, port, clients, channels, setupTimeout);
      await(lines, "ready", setupNanos, sender);
      OutputStream go = sender.getOutputStream();
      double[] firsts = new double[rounds];
      double[] lasts = new double[rounds];
      long ownCpu = 0;
      long senderCpu = 0;
      ProcMetrics.MachineTicks machine = ProcMetrics.MachineTicks.NONE;
      int complete = 0;
      String error = null;
      for (int r = 1; r <= rounds; r++) {
        firstAt.set(0);
        lastAt.set(0);
        roundDone = new CompletableFuture<>();
        expected = (long) r * clients;
        long ownBefore = ProcMetrics.selfCpuNanos();
        long senderBefore = ProcMetrics.pidCpuNanos(sender.pid());
        ProcMetrics.MachineTicks machineBefore = ProcMetrics.MachineTicks.now();
        long t0 = System.nanoTime();
        go.write("go\n".getBytes(StandardCharsets.US_ASCII));
        go.flush();
        boolean all = Loops.await(roundDone, timeout.toNanos());
        await(lines, "wrote ", timeout.toNanos(), sender);
        ownCpu = BroadcastCommand.addSpent(ownCpu, ownBefore, ProcMetrics.selfCpuNanos());
        senderCpu = BroadcastCommand.addSpent(senderCpu, senderBefore, ProcMetrics.pidCpuNanos(sender.pid()));
        machine = machine == null ? null : machine.plus(machineBefore, ProcMetrics.MachineTicks.now());
        if (garbled.get() > 0) {
          error = String.format(Locale.ROOT, "floor round %d: %d messages arrived garbled", r, garbled.get());
          break;
        }
        if (!all) {
          error = String.format(Locale.ROOT, "floor round %d: %d of %d frames arrived within %d ms", r,
              received.get() - (long) (r - 1) * clients, clients, timeout.toMillis());
          break;
        }
        firsts[complete] = (firstAt.get() - t0) / 1e6;
        lasts[complete] = (lastAt.get() - t0) / 1e6;
        complete++;
        if (r < rounds) {
          Loops.sleepUntil(System.nanoTime() + interval.toNanos());
        }
      }
      int measured = complete + (error == null ? 0 : 1);
      return new Result(clients, threads, frameBytes, rounds, complete,
          BroadcastCommand.median(Arrays.copyOf(firsts, complete)),
          BroadcastCommand.median(Arrays.copyOf(lasts, complete)),
          senderCpu < 0 ? -1 : senderCpu / 1e6 / measured, ownCpu < 0 ? -1 : ownCpu / 1e6 / measured, machine,
          error);
    } catch (IOException e) {
      throw new BenchException("the floor's sender process: " + e.getMessage());
    } finally {
      for (Channel ch : channels) {
        ch.close();
      }
      ChildJvm.stopAll(List.of(sender), 10_000);
    }
  }

  /** Opens {@code clients} connections to the sender, at most 256 connecting at once; fails unless all did. */
  private void connect(Transport transport, EventLoopGroup readers, int port, int clients,
      List<Channel> channels, Duration setupTimeout) {
    Counter counter = new Counter();
    Bootstrap b = new Bootstrap().group(readers).channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true).handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ServerFrames.addLast(ch.pipeline(), counter);
          }
        });
    InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    long deadline = System.nanoTime() + setupTimeout.toNanos();
    for (int i = 0; i < clients; i += 256) {
      List<ChannelFuture> batch = new ArrayList<>();
      for (int k = i; k < Math.min(clients, i + 256); k++) {
        batch.add(b.connect(to));
      }
      for (ChannelFuture f : batch) {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!f.awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left)) || !f.isSuccess()) {
          f.channel().close();
          throw new BenchException("floor: " + channels.size() + " of " + clients + " loopback connections to the "
              + "floor's sender opened, then " + (f.cause() == null ? "the set-up timeout passed" : f.cause()));
        }
        channels.add(f.channel());
      }
    }
  }

  /** The sender's stdout, a line at a time, ending with "" once it closed. */
  private static BlockingQueue<String> pump(Process p) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process went away
      }
      lines.add("");
    }, "floor-sender-stdout");
    t.setDaemon(true);
    t.start();
    return lines;
  }

  /** The rest of the sender's next line starting with {@code prefix}. */
  private static String await(BlockingQueue<String> lines, String prefix, long timeoutNanos, Process sender) {
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new BenchException("the floor's sender did not print '" + prefix.trim() + "' within "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        if (line.isEmpty()) {
          sender.waitFor(5, TimeUnit.SECONDS);
          throw new BenchException("the floor's sender ended before printing '" + prefix.trim() + "'"
              + (sender.isAlive() ? "" : " with exit code " + sender.exitValue()) + " (its error, if any, is above)");
        }
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
