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
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushline.bench.BenchException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Native epoll when the native library loads, else NIO. Event-loop threads are daemons. */
public final class Transport {

  /** What the user asked for with {@code --transport}. */
  public enum Kind { AUTO, EPOLL, NIO }

  private final boolean epoll;

  private Transport(boolean epoll) {
    this.epoll = epoll;
  }

  public static Transport select(Kind kind) {
    switch (kind) {
      case NIO:
        return new Transport(false);
      case EPOLL:
        if (!epollAvailable()) {
          throw new BenchException("--transport epoll: native epoll is not available here ("
              + Epoll.unavailabilityCause() + "); use --transport nio");
        }
        return new Transport(true);
      default:
        return new Transport(epollAvailable());
    }
  }

  private static boolean epollAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (Throwable t) { // classes present, native library missing or of another ABI
      return false;
    }
  }

  public boolean isEpoll() {
    return epoll;
  }

  public String name() {
    return epoll ? "epoll" : "nio";
  }

  public EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(Math.max(1, threads), new DefaultThreadFactory(name, true), factory);
  }

  public Class<? extends SocketChannel> socketChannel() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public Class<? extends ServerSocketChannel> serverSocketChannel() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
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
    return name().toUpperCase(Locale.ROOT);
  }
}
