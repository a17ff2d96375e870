package io.pushline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.pushline.bench.net.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal in-test server of the seed push contract: a WebSocket port mapping uid -> channels (uid from the
 * first text frame or from ?uid=), and an ingest line port that parses each JSON line with Jackson, sends the
 * line itself as a text frame to the uid's channels ({@code "uid"} string or array, or {@code "broadcast":true}
 * to everyone) and answers {@code ok} when at least one channel got it, else {@code fail}.
 *
 * <p>{@link #dropEvery(int)} makes it acknowledge but silently not deliver every n-th data push, to check that
 * the bench sees losses.
 */
final class FakePushServer implements AutoCloseable {

  private static final AttributeKey<String> UID = AttributeKey.valueOf("fake-uid");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final EventLoopGroup group;
  private final Channel wsServer;
  private final Channel ingestServer;
  private final Map<String, Set<Channel>> byUid = new ConcurrentHashMap<>();
  private final Set<Channel> all = ConcurrentHashMap.newKeySet();
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicInteger ingestConnections = new AtomicInteger();
  private volatile int dropEvery;

  FakePushServer() throws InterruptedException {
    this(0, 0);
  }

  FakePushServer(int wsPort, int ingestPort) throws InterruptedException {
    Transport t = Transport.select(Transport.Kind.NIO);
    group = t.newGroup(1, "fake-server");
    wsServer = new ServerBootstrap().group(group).channel(t.serverSocketChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath("/").checkStartsWith(true).build()),
                new WsHandler());
          }
        }).bind(new InetSocketAddress("127.0.0.1", wsPort)).sync().channel();
    ingestServer = new ServerBootstrap().group(group).channel(t.serverSocketChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ingestConnections.incrementAndGet();
            ch.pipeline().addLast(new LineBasedFrameDecoder(1 << 20), new IngestHandler());
          }
        }).bind(new InetSocketAddress("127.0.0.1", ingestPort)).sync().channel();
  }

  /** Manual runs: {@code FakePushServer [wsPort ingestPort]}; stops at end of standard input. */
  public static void main(String[] args) throws Exception {
    int ws = args.length > 0 ? Integer.parseInt(args[0]) : 1234;
    int in = args.length > 1 ? Integer.parseInt(args[1]) : 5678;
    try (FakePushServer s = new FakePushServer(ws, in)) {
      System.out.println("fake push server: ws " + s.wsUrl() + " ingest " + s.ingest());
      while (System.in.read() >= 0) {
        // wait for end of input
      }
    }
  }

  int wsPort() {
    return ((InetSocketAddress) wsServer.localAddress()).getPort();
  }

  int ingestPort() {
    return ((InetSocketAddress) ingestServer.localAddress()).getPort();
  }

  String wsUrl() {
    return "ws://127.0.0.1:" + wsPort() + "/";
  }

  String ingest() {
    return "127.0.0.1:" + ingestPort();
  }

  /** Ingest connections accepted so far. */
  int ingestConnections() {
    return ingestConnections.get();
  }

  void dropEvery(int n) {
    dropEvery = n;
  }

  int registered() {
    return all.size();
  }

  private void register(Channel ch, String uid) {
    if (ch.attr(UID).setIfAbsent(uid) != null) {
      return;
    }
    byUid.computeIfAbsent(uid, k -> ConcurrentHashMap.newKeySet()).add(ch);
    all.add(ch);
    ch.closeFuture().addListener(f -> {
      all.remove(ch);
      byUid.computeIfPresent(uid, (k, set) -> {
        set.remove(ch);
        return set.isEmpty() ? null : set;
      });
    });
  }

  private final class WsHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
        List<String> uid = new QueryStringDecoder(hc.requestUri()).parameters().get("uid");
        if (uid != null && !uid.isEmpty()) {
          register(ctx.channel(), uid.get(0));
        }
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof TextWebSocketFrame f) {
          register(ctx.channel(), f.text());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  private final class IngestHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private final ByteBuf ok = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("ok\n", StandardCharsets.US_ASCII));
    private final ByteBuf fail = Unpooled.unreleasableBuffer(
        Unpooled.copiedBuffer("fail\n", StandardCharsets.US_ASCII));

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws Exception {
      String text = line.toString(StandardCharsets.UTF_8);
      JsonNode n = MAPPER.readTree(text);
      int sentTo = 0;
      boolean data = n.has("seq");
      int every = dropEvery;
      boolean drop = data && every > 0 && pushes.incrementAndGet() % every == 0;
      if (n.path("broadcast").asBoolean(false)) {
        for (Channel ch : all) {
          ch.writeAndFlush(new TextWebSocketFrame(text));
          sentTo++;
        }
      } else {
        JsonNode uid = n.get("uid");
        if (uid != null && uid.isArray()) {
          for (JsonNode u : uid) {
            sentTo += send(u.asText(), text, drop);
          }
        } else if (uid != null) {
          sentTo += send(uid.asText(), text, drop);
        }
      }
      ctx.write((sentTo > 0 ? ok : fail).duplicate());
    }

    private int send(String uid, String text, boolean drop) {
      Set<Channel> chs = byUid.get(uid);
      if (chs == null) {
        return 0;
      }
      int n = 0;
      for (Channel ch : chs) {
        if (!drop) {
          ch.writeAndFlush(new TextWebSocketFrame(text));
        }
        n++;
      }
      return n;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }
  }

  @Override
  public void close() {
    wsServer.close().awaitUninterruptibly(5000);
    ingestServer.close().awaitUninterruptibly(5000);
    for (Channel ch : all) {
      ch.close();
    }
    Transport.shutdown(group, 5000);
  }
}
