package io.pushline.bench.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.pushline.bench.HostPort;
import io.pushline.bench.Report;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * A set of browser-like WebSocket clients {@code bench-<n>}. Each connects to the WebSocket URL, and once the
 * handshake is done sends its uid as the first text frame ({@link UidMode#FRAME}), or passes it as
 * {@code ?uid=} in the URL ({@link UidMode#QUERY}). Text frames received afterwards go to a {@link FrameSink},
 * on the client's event loop.
 *
 * <p>A client counts as connected when the handshake completed and (frame mode) its uid frame was written to
 * the socket. Connections are opened with at most {@code concurrency} handshakes in flight and, if
 * {@code ratePerSecond > 0}, at most that many connection attempts per second.
 */
public final class WsClients implements AutoCloseable {

  /** Receives the content of each text frame; must not retain it past the call. */
  @FunctionalInterface
  public interface FrameSink {
    void onFrame(int client, ByteBuf text);
  }

  /** How a client tells its uid. */
  public enum UidMode { FRAME, QUERY }

  /** Connection settings. */
  public record Options(URI uri, UidMode uidMode, int concurrency, double ratePerSecond, long connectTimeoutMillis,
      List<InetAddress> sourceAddresses) {
  }

  /** Outcome of {@link #connect}. */
  public record Result(int attempted, int connected, int failed, String firstError, long elapsedNanos,
      boolean timedOut, Histogram connectNanos) {

    /** Connections completed per second over the whole connect phase. */
    public double ratePerSecond() {
      return elapsedNanos <= 0 ? 0 : connected * 1e9 / elapsedNanos;
    }
  }

  private final Transport transport;
  private final EventLoopGroup group;
  private final Options options;
  private final FrameSink sink;
  private final Bootstrap base;
  private final InetSocketAddress remote;
  /** The handshake request up to its key when every client asks for the same URL (uid sent as a frame). */
  private final byte[] sharedRequestHead;
  private final EventExecutor dispatcher;
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean closing;
  private Channel[] channels = new Channel[0];

  // connect-phase state, confined to the dispatcher
  private int first;
  private int count;
  private int next;
  private int inflight;
  private int completed;
  private int connected;
  private int failed;
  private String firstError;
  private long startNanos;
  private long lastDoneNanos;
  private boolean pumpScheduled;
  private Histogram connectNanos;
  private CompletableFuture<Void> allDone;

  public WsClients(Transport transport, EventLoopGroup group, Options options, FrameSink sink) {
    this.transport = transport;
    this.group = group;
    this.options = options;
    this.sink = sink;
    HostPort target = Reachability.of(options.uri());
    this.remote = new InetSocketAddress(target.host(), target.port());
    this.dispatcher = group.next();
    int timeout = (int) Math.min(Integer.MAX_VALUE, options.connectTimeoutMillis());
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout);
    if (transport.isEpoll() && !options.sourceAddresses().isEmpty()) {
      // choose the local port at connect() time, per 4-tuple, instead of at bind() time
      b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
    this.base = b;
    this.sharedRequestHead = options.uidMode() == UidMode.FRAME ? WsUpgrade.requestHead(options.uri()) : null;
  }

  /**
   * Opens clients {@code firstIndex .. firstIndex+count-1} and waits until each has connected or failed, at most
   * {@code timeoutMillis}. Failures are counted, not thrown.
   */
  public Result connect(int firstIndex, int count, long timeoutMillis) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    channels = new Channel[count];
    connectNanos = Report.newNanosHistogram();
    dispatcher.execute(() -> {
      this.first = firstIndex;
      this.count = count;
      this.next = 0;
      this.inflight = 0;
      this.completed = 0;
      this.connected = 0;
      this.failed = 0;
      this.firstError = null;
      this.allDone = done;
      this.startNanos = System.nanoTime();
      this.lastDoneNanos = startNanos;
      if (count == 0) {
        done.complete(null);
      } else {
        pump();
      }
    });
    boolean timedOut = false;
    try {
      done.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      timedOut = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      timedOut = true;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    // read the dispatcher-confined state on the dispatcher
    CompletableFuture<Result> snapshot = new CompletableFuture<>();
    final boolean to = timedOut;
    dispatcher.execute(() -> {
      if (to) {
        next = count; // stop starting new ones
      }
      snapshot.complete(new Result(count, connected, failed + (to ? count - completed : 0),
          to && firstError == null ? "timed out after " + timeoutMillis + " ms" : firstError,
          lastDoneNanos - startNanos, to, connectNanos.copy()));
    });
    try {
      return snapshot.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("event loop did not answer", e);
    }
  }

  private void pump() {
    pumpScheduled = false;
    long now = System.nanoTime();
    while (next < count && inflight < options.concurrency()) {
      double rate = options.ratePerSecond();
      if (rate > 0) {
        long allowed = (long) ((now - startNanos) * rate / 1e9) + 1;
        if (next >= allowed) {
          long at = startNanos + (long) Math.ceil(next * 1e9 / rate);
          if (!pumpScheduled) {
            pumpScheduled = true;
            dispatcher.schedule(this::pump, Math.max(0, at - now), TimeUnit.NANOSECONDS);
          }
          return;
        }
      }
      start(first + next);
      next++;
      inflight++;
    }
  }

  private void start(int index) {
    ClientHandler h = new ClientHandler(index, System.nanoTime());
    byte[] head = sharedRequestHead;
    if (head == null) {
      URI uri = options.uri();
      String q = uri.getRawQuery();
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      String query = (q == null || q.isEmpty() ? "" : q + "&") + "uid=" + PushLines.uid(index);
      head = WsUpgrade.requestHead(URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path + "?" + query));
    }
    final byte[] request = head;
    Bootstrap b = base.clone().handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new WsUpgrade(request, options.connectTimeoutMillis()));
        p.addLast(ServerFrames.aggregator());
        p.addLast(h);
      }
    });
    List<InetAddress> sources = options.sourceAddresses();
    ChannelFuture f = sources.isEmpty()
        ? b.connect(remote)
        : b.connect(remote, new InetSocketAddress(sources.get(Math.floorMod(index, sources.size())), 0));
    channels[index - first] = f.channel();
    f.addListener(x -> {
      if (!x.isSuccess()) {
        h.finish(x.cause());
      }
    });
  }

  private void onDone(ClientHandler h, Throwable error, long now) {
    inflight--;
    completed++;
    lastDoneNanos = now;
    if (error == null) {
      connected++;
      Report.record(connectNanos, now - h.startNanos);
    } else {
      failed++;
      if (firstError == null) {
        firstError = "connect to " + options.uri() + " (" + remote.getAddress().getHostAddress() + ":"
            + remote.getPort() + ") failed: " + Reachability.describe(error);
      }
    }
    if (completed == count) {
      allDone.complete(null);
    } else {
      pump();
    }
  }

  /** Clients connected and not closed since (by the server or the network). */
  public int openCount() {
    return open.get();
  }

  /** Clients that were connected and got closed by the other side before {@link #close}. */
  public int droppedCount() {
    return dropped.get();
  }

  /** Closes every client and waits at most {@code timeoutMillis} for the sockets to close. */
  public void closeAll(long timeoutMillis) {
    closing = true;
    Channel[] chs = channels;
    CountDownLatch latch = new CountDownLatch(chs.length);
    for (Channel ch : chs) {
      if (ch == null) {
        latch.countDown();
      } else {
        ch.close().addListener(f -> latch.countDown());
      }
    }
    try {
      latch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closeAll(10_000);
  }

  public Transport transport() {
    return transport;
  }

  /** The per-connection handler: completes the connect, then feeds text frames to the sink. */
  private final class ClientHandler extends ChannelInboundHandlerAdapter {
    private final int index;
    private final long startNanos;
    private boolean finished;
    private Channel channel;

    ClientHandler(int index, long startNanos) {
      this.index = index;
      this.startNanos = startNanos;
    }

    void finish(Throwable error) {
      if (finished) {
        return;
      }
      finished = true;
      long now = System.nanoTime();
      if (error == null) {
        open.incrementAndGet();
        Channel ch = channel;
        if (ch != null) {
          ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (!closing) {
              dropped.incrementAndGet();
            }
          });
        }
      }
      if (dispatcher.inEventLoop()) {
        onDone(this, error, now);
      } else {
        dispatcher.execute(() -> onDone(this, error, now));
      }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        if (options.uidMode() == UidMode.FRAME) {
          ctx.writeAndFlush(new TextWebSocketFrame(PushLines.uid(index))).addListener(f -> finish(f.cause()));
        } else {
          finish(null);
        }
      } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        finish(new TimeoutException("WebSocket handshake timed out after " + options.connectTimeoutMillis() + " ms"));
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof TextWebSocketFrame frame) {
          sink.onFrame(index, frame.content());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      finish(new ClosedChannelException());
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(cause);
      ctx.close();
    }
  }
}
