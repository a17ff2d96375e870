package io.pushline.bench.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.HostPort;
import java.util.concurrent.TimeUnit;

/**
 * One TCP connection to the ingest port. Splits the replies into lines without allocating and hands each one
 * to {@link #onReply} in order: {@code ok} and {@code fail} are the contract's replies, anything else is
 * reported as {@link Reply#OTHER}. Subclasses write the lines.
 */
public abstract class IngestHandler extends ChannelInboundHandlerAdapter {

  /** A reply line. */
  public enum Reply { OK, FAIL, OTHER }

  private static final long OK_BITS = ('o' << 8) | 'k';
  private static final long FAIL_BITS = ((long) 'f' << 24) | ('a' << 16) | ('i' << 8) | 'l';

  private int lineLength;
  private long lineBits;
  /** The context, set when the handler is added. */
  protected ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      int end = in.writerIndex();
      for (int i = in.readerIndex(); i < end; i++) {
        byte b = in.getByte(i);
        if (b == '\n') {
          Reply r;
          if (lineLength == 2 && lineBits == OK_BITS) {
            r = Reply.OK;
          } else if (lineLength == 4 && lineBits == FAIL_BITS) {
            r = Reply.FAIL;
          } else {
            r = Reply.OTHER;
          }
          lineLength = 0;
          lineBits = 0;
          onReply(r);
        } else if (b != '\r') {
          if (lineLength < 8) {
            lineBits = (lineBits << 8) | (b & 0xff);
          }
          lineLength++;
        }
      }
    } finally {
      in.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  /** Called on the channel's event loop for each reply line, in order. */
  protected abstract void onReply(Reply reply);

  /** A bootstrap for ingest connections, without a handler: as a pusher connects, with Nagle off. */
  public static Bootstrap bootstrap(Transport transport, EventLoopGroup group, long connectTimeoutMillis) {
    return new Bootstrap()
        .group(group)
        .channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
  }

  /**
   * Connects {@code handler} to the ingest port and waits for the connection.
   *
   * @throws BenchException naming the address if it cannot connect
   */
  public static Channel connect(Transport transport, EventLoopGroup group, HostPort ingest, IngestHandler handler,
      long timeoutMillis) {
    ChannelFuture f = bootstrap(transport, group, timeoutMillis).handler(handler).connect(ingest.toAddress());
    if (!f.awaitUninterruptibly(timeoutMillis + 1000, TimeUnit.MILLISECONDS)) {
      f.cancel(false);
      f.channel().close();
      throw new BenchException("cannot connect to ingest port " + ingest + ": timed out");
    }
    if (!f.isSuccess()) {
      throw new BenchException("cannot connect to ingest port " + ingest + ": " + Reachability.describe(f.cause()));
    }
    return f.channel();
  }
}
