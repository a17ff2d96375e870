package io.pushline.bench;

import io.pushline.bench.net.Reachability;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
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

  /** Fails fast, with one line naming the endpoint, when nothing accepts connections there. */
  public void checkReachable(int timeoutMillis) {
    if (tcp != null) {
      Reachability.check("Redis", tcp, timeoutMillis);
      return;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | RuntimeException e) {
      throw new BenchException("cannot connect to Redis at unix socket " + socket + ": " + Reachability.describe(e));
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
