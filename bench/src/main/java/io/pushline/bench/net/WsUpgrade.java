package io.pushline.bench.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client half of the WebSocket opening handshake (RFC 6455, section 4.1), kept small because the generator
 * opens tens of thousands of connections on the machine of the server it measures. Netty's client stack (HTTP
 * codec, aggregator, handshaker, protocol handler) cost the generator about twice the server's CPU per connection,
 * so on two shared cores the generator, not the server, set the connect rate.
 *
 * <p>It writes a browser's request (a fresh random key per connection, an {@code Origin}), accepts only a
 * {@code 101} whose {@code Sec-WebSocket-Accept} matches the key, then replaces itself with the frame codec and
 * {@link ControlFrames} ({@link ServerFrames}), and fires Netty's {@link ClientHandshakeStateEvent}s as the protocol
 * handler did. A refusal fails the connection with its status line.
 */
final class WsUpgrade extends ChannelInboundHandlerAdapter {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  /** A 101 response is a few hundred bytes; a server that sends more without ending its head is refused. */
  static final int MAX_RESPONSE_HEAD = 8192;
  private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
  private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
  });

  private final byte[] requestHead;
  private final long timeoutMillis;
  private String expectedAccept;
  private ByteBuf response;
  private ScheduledFuture<?> timeout;

  /**
   * @param requestHead {@link #requestHead(URI)}: the request up to its {@code Sec-WebSocket-Key} value
   */
  WsUpgrade(byte[] requestHead, long timeoutMillis) {
    this.requestHead = requestHead;
    this.timeoutMillis = timeoutMillis;
  }

  /** The request for {@code uri} up to the key, the same for every connection to it. */
  static byte[] requestHead(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    String host = uri.getHost() + (uri.getPort() > 0 && uri.getPort() != 80 ? ":" + uri.getPort() : "");
    return ("GET " + path + " HTTP/1.1\r\n"
        + "Host: " + host + "\r\n"
        + "Origin: http://" + host + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: ").getBytes(StandardCharsets.US_ASCII);
  }

  /** What a server answers to {@code key}: base64(SHA-1(key + GUID)). */
  static String acceptFor(String key) {
    MessageDigest sha1 = SHA1.get();
    sha1.reset();
    return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    expectedAccept = acceptFor(key);
    ByteBuf request = ctx.alloc().buffer(requestHead.length + key.length() + 4);
    request.writeBytes(requestHead).writeCharSequence(key + "\r\n\r\n", StandardCharsets.US_ASCII);
    ctx.writeAndFlush(request);
    timeout = ctx.executor().schedule(() -> {
      if (ctx.channel().isActive()) {
        ctx.fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT);
        ctx.close();
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    if (expectedAccept == null) { // failed already, closing
      in.release();
      return;
    }
    if (response == null) {
      response = in;
    } else {
      response = ctx.alloc().compositeBuffer().addComponents(true, response, in);
    }
    int headEnd = indexOf(response, HEAD_END);
    if (headEnd < 0) {
      if (response.readableBytes() > MAX_RESPONSE_HEAD) {
        fail(ctx, "no end of the response head within " + MAX_RESPONSE_HEAD + " bytes");
      }
      return;
    }
    String head = response.toString(response.readerIndex(), headEnd - response.readerIndex(),
        StandardCharsets.US_ASCII);
    response.readerIndex(headEnd + HEAD_END.length);
    String problem = check(head, expectedAccept);
    if (problem != null) {
      fail(ctx, problem);
      return;
    }
    timeout.cancel(false);
    ChannelPipeline p = ctx.pipeline();
    ServerFrames.addCodecAfter(p, ctx.name());
    ByteBuf rest = response;
    response = null;
    p.remove(this);
    p.fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
    if (rest.isReadable()) {
      p.fireChannelRead(rest); // frames the server sent right behind its 101
    } else {
      rest.release();
    }
  }

  /** Why {@code head} (status line and headers, without the blank line) is not a valid answer, or null. */
  static String check(String head, String expectedAccept) {
    int lineEnd = head.indexOf("\r\n");
    String status = lineEnd < 0 ? head : head.substring(0, lineEnd);
    if (!status.startsWith("HTTP/1.1 101")) {
      return "WebSocket handshake refused: " + status;
    }
    for (String line : head.substring(lineEnd < 0 ? head.length() : lineEnd + 2).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Accept")) {
        String got = line.substring(colon + 1).trim();
        return got.equals(expectedAccept) ? null
            : "WebSocket handshake: Sec-WebSocket-Accept " + got + " does not match the key (" + expectedAccept + ")";
      }
    }
    return "WebSocket handshake: the 101 response has no Sec-WebSocket-Accept";
  }

  private static int indexOf(ByteBuf buf, byte[] needle) {
    int last = buf.writerIndex() - needle.length;
    outer:
    for (int i = buf.readerIndex(); i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    expectedAccept = null;
    if (timeout != null) {
      timeout.cancel(false);
    }
    ctx.fireExceptionCaught(new WebSocketClientHandshakeException(why));
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (response != null) {
      response.release();
      response = null;
    }
    if (timeout != null) {
      timeout.cancel(false);
    }
  }
}
