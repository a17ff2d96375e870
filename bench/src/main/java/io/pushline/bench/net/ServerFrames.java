package io.pushline.bench.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * How a generator's client reads an open WebSocket, as a browser does: the frame codec (a server's frames come
 * unmasked, this side masks its own), {@link ControlFrames}, and an aggregator of fragmented messages, so that the
 * handler after them gets each message as one {@code TextWebSocketFrame}. {@link WsUpgrade} installs the first
 * three once the handshake is done; the broadcast's floor, whose connections have no handshake, installs them all
 * at once, so that both read a frame at the same cost to the generator.
 */
public final class ServerFrames {

  /** The largest message a client accepts. */
  static final int MAX_PAYLOAD = 1 << 20;

  private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
      .expectMaskedFrames(false) // a server's frames are not masked
      .allowExtensions(false)
      .maxFramePayloadLength(MAX_PAYLOAD)
      .build();

  private ServerFrames() {
  }

  /** Adds the frame codec and {@link ControlFrames} right after the handler named {@code base}. */
  static void addCodecAfter(ChannelPipeline p, String base) {
    ChannelHandler[] codec = codec();
    String previous = base;
    for (int i = 0; i < codec.length; i++) {
      p.addAfter(previous, NAMES[i], codec[i]);
      previous = NAMES[i];
    }
  }

  /** The aggregator, which goes between the codec and the handler of messages. */
  static ChannelHandler aggregator() {
    return new WebSocketFrameAggregator(MAX_PAYLOAD);
  }

  /** The whole stack on a connection already open as a WebSocket, then {@code messages}, the handler of messages. */
  public static void addLast(ChannelPipeline p, ChannelHandler messages) {
    ChannelHandler[] codec = codec();
    for (int i = 0; i < codec.length; i++) {
      p.addLast(NAMES[i], codec[i]);
    }
    p.addLast(aggregator(), messages);
  }

  private static final String[] NAMES = {"ws-decoder", "ws-encoder", "ws-control"};

  private static ChannelHandler[] codec() {
    return new ChannelHandler[] {new WebSocket13FrameDecoder(DECODER),
        new WebSocket13FrameEncoder(true), // a client masks its frames
        new ControlFrames()};
  }
}
