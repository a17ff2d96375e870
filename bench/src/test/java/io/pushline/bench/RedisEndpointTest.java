package io.pushline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisEndpointTest {

  @TempDir
  Path dir;

  @Test
  void aSocketPathOrHostAndPort() {
    assertEquals(List.of("-s", "/run/redis.sock"), RedisEndpoint.parse(" /run/redis.sock").cliArguments());
    assertEquals(List.of("-h", "127.0.0.1", "-p", "6390"), RedisEndpoint.parse("127.0.0.1:6390").cliArguments());
  }

  @Test
  void aSocketThatAcceptsIsReachable() throws IOException {
    Path sock = dir.resolve("r.sock");
    try (ServerSocketChannel listener = listen(sock, 16)) {
      RedisEndpoint.parse(sock.toString()).checkReachable(1000);
    }
  }

  @Test
  void aSocketWhoseBacklogIsFullFailsAtTheTimeoutInsteadOfHanging() throws IOException {
    Path sock = dir.resolve("full.sock");
    List<SocketChannel> queued = new ArrayList<>();
    try (ServerSocketChannel listener = listen(sock, 1)) {
      fill(sock, queued); // never accepted: a blocking connect now waits for as long as the backlog stays full
      BenchException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(BenchException.class,
          () -> RedisEndpoint.parse(sock.toString()).checkReachable(300)));
      assertTrue(e.getMessage().contains("no connection within 300 ms"), e::getMessage);
      assertTrue(e.getMessage().contains(sock.toString()), e::getMessage);
    } finally {
      for (SocketChannel c : queued) {
        c.close();
      }
    }
  }

  @Test
  void noListenerIsOneLineNamingTheSocket() {
    Path sock = dir.resolve("none.sock");
    BenchException e = assertThrows(BenchException.class, () -> RedisEndpoint.parse(sock.toString()).checkReachable(300));
    assertTrue(e.getMessage().startsWith("cannot connect to Redis at unix socket " + sock), e::getMessage);
  }

  private static ServerSocketChannel listen(Path sock, int backlog) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(sock), backlog);
    return listener;
  }

  /** Connects without blocking until the listener's backlog refuses one more. */
  private static void fill(Path sock, List<SocketChannel> queued) throws IOException {
    for (int i = 0; i < 64; i++) {
      SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
      c.configureBlocking(false);
      try {
        c.connect(UnixDomainSocketAddress.of(sock));
        queued.add(c);
      } catch (SocketException full) { // EAGAIN: the backlog is full
        c.close();
        return;
      }
    }
    throw new IllegalStateException("the backlog of " + sock + " never filled");
  }
}
