package io.pushline.bench.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushline.bench.BenchException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The generator's socket layer: native epoll when its library loads, else NIO; io_uring when asked for. Event-loop
 * threads are daemons.
 */
public final class Transport {

  /** What the user asked for with {@code --transport}. */
  public enum Kind { AUTO, EPOLL, IO_URING, NIO }

  /**
   * Completions one io_uring loop holds before it reaps them: as the server's (Pushline's {@code Transport}), since a
   * loop turn that reads from 1,000 pages completes more operations than Netty's default of 4,096.
   */
  private static final int IO_URING_COMPLETION_QUEUE = 16_384;

  private final Kind kind;

  private Transport(Kind kind) {
    this.kind = kind;
  }

  public static Transport select(Kind kind) {
    switch (kind) {
      case NIO:
        return new Transport(Kind.NIO);
      case EPOLL:
        if (!epollAvailable()) {
          throw new BenchException("--transport epoll: native epoll is not available here ("
              + Epoll.unavailabilityCause() + "); use --transport nio");
        }
        return new Transport(Kind.EPOLL);
      case IO_URING:
        if (!ioUringAvailable()) {
          throw new BenchException("--transport io_uring: io_uring is not available here ("
              + IoUring.unavailabilityCause() + "); use --transport epoll");
        }
        return new Transport(Kind.IO_URING);
      default:
        return new Transport(epollAvailable() ? Kind.EPOLL : Kind.NIO);
    }
  }

  private static boolean epollAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (Throwable t) { // classes present, native library missing or of another ABI
      return false;
    }
  }

  private static boolean ioUringAvailable() {
    try {
      return IoUring.isAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  public boolean isEpoll() {
    return kind == Kind.EPOLL;
  }

  public String name() {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  public EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory factory = switch (kind) {
      case EPOLL -> EpollIoHandler.newFactory();
      case IO_URING -> {
        IoUringIoHandlerConfig config = new IoUringIoHandlerConfig();
        yield IoUringIoHandler.newFactory(config.setCqSize(Math.max(config.getCqSize(), IO_URING_COMPLETION_QUEUE)));
      }
      default -> NioIoHandler.newFactory();
    };
    return new MultiThreadIoEventLoopGroup(Math.max(1, threads), new DefaultThreadFactory(name, true), factory);
  }

  public Class<? extends SocketChannel> socketChannel() {
    return switch (kind) {
      case EPOLL -> EpollSocketChannel.class;
      case IO_URING -> IoUringSocketChannel.class;
      default -> NioSocketChannel.class;
    };
  }

  public Class<? extends ServerSocketChannel> serverSocketChannel() {
    return switch (kind) {
      case EPOLL -> EpollServerSocketChannel.class;
      case IO_URING -> IoUringServerSocketChannel.class;
      default -> NioServerSocketChannel.class;
    };
  }

  /** Shuts a group down and waits at most {@code timeoutMillis} for its threads. */
  public static void shutdown(EventLoopGroup group, long timeoutMillis) {
    if (group == null) {
      return;
    }
    group.shutdownGracefully(0, Math.max(1, timeoutMillis / 2), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return kind.name();
  }
}
