package io.pushline.bench.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WsUpgradeTest {

  @Test
  void theAcceptValueIsTheOneOfRfc6455() {
    // RFC 6455, section 1.3
    assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WsUpgrade.acceptFor("dGhlIHNhbXBsZSBub25jZQ=="));
  }

  @Test
  void theRequestNamesPathQueryHostAndOrigin() {
    String head = new String(WsUpgrade.requestHead(URI.create("ws://127.0.0.1:1234/push?uid=u1")),
        StandardCharsets.US_ASCII);
    assertTrue(head.startsWith("GET /push?uid=u1 HTTP/1.1\r\nHost: 127.0.0.1:1234\r\n"), head);
    assertTrue(head.contains("\r\nOrigin: http://127.0.0.1:1234\r\n"), head);
    assertTrue(head.contains("\r\nSec-WebSocket-Version: 13\r\n"), head);
    assertTrue(head.endsWith("\r\nSec-WebSocket-Key: "), head);
    String bare = new String(WsUpgrade.requestHead(URI.create("ws://example.org")), StandardCharsets.US_ASCII);
    assertTrue(bare.startsWith("GET / HTTP/1.1\r\nHost: example.org\r\n"), bare);
  }

  @Test
  void onlyASwitchWithTheMatchingAcceptIsTaken() {
    String accept = WsUpgrade.acceptFor("dGhlIHNhbXBsZSBub25jZQ==");
    assertNull(WsUpgrade.check("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
        + "sec-websocket-accept: " + accept, accept));
    assertEquals("WebSocket handshake refused: HTTP/1.1 403 Forbidden",
        WsUpgrade.check("HTTP/1.1 403 Forbidden\r\ncontent-length: 0", accept));
    assertTrue(WsUpgrade.check("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: AAAA", accept)
        .contains("does not match"));
    assertTrue(WsUpgrade.check("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket", accept)
        .contains("no Sec-WebSocket-Accept"));
  }
}
