package io.pushline.bench;

import io.pushline.bench.net.Reachability;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Where a Redis answers: {@code host:port}, or the path of its unix socket (an option value starting with
 * {@code /}), as a server that reaches a local Redis with {@code redis-socket://} does. Exactly one is set.
 */
public record RedisEndpoint(HostPort tcp, String socket) {

  public static RedisEndpoint parse(String value) {
    String v = value.trim();
    return v.startsWith("/") ? new RedisEndpoint(null, v) : new RedisEndpoint(HostPort.parse(v), null);
  }

  /** The arguments that point {@code redis-benchmark} (or {@code redis-cli}) here. */
  public List<String> cliArguments() {
    return socket != null ? List.of("-s", socket) : List.of("-h", tcp.host(), "-p", String.valueOf(tcp.port()));
  }

  /**
   * Fails fast, with one line naming the endpoint, when nothing accepts connections there within
   * {@code timeoutMillis}.
   */
  public void checkReachable(int timeoutMillis) {
    if (tcp != null) {
      Reachability.check("Redis", tcp, timeoutMillis);
      return;
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new BenchException("cannot open a unix socket to reach Redis at " + socket + ": " + Reachability.describe(e));
    }
    // A unix connect has no timeout of its own, and blocks for as long as the listener's backlog stays full (a
    // non-blocking one fails at once instead, as if nothing listened): closing the channel at the deadline ends it.
    CompletableFuture<Void> deadline = new CompletableFuture<>();
    deadline.completeOnTimeout(null, timeoutMillis, TimeUnit.MILLISECONDS).thenRun(() -> closeQuietly(channel));
    try (channel) {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (AsynchronousCloseException e) {
      throw new BenchException("cannot connect to Redis at unix socket " + socket + ": no connection within "
          + timeoutMillis + " ms (something listens there, but its backlog is full)");
    } catch (IOException | RuntimeException e) {
      throw new BenchException("cannot connect to Redis at unix socket " + socket + ": " + Reachability.describe(e));
    } finally {
      deadline.cancel(false);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // the connect under way fails with AsynchronousCloseException either way
    }
  }

  @Override
  public String toString() {
    return socket != null ? socket : tcp.toString();
  }

  /** picocli converter. */
  public static final class Converter implements CommandLine.ITypeConverter<RedisEndpoint> {
    @Override
    public RedisEndpoint convert(String value) {
      return parse(value);
    }
  }
}
