package io.pushline.bench.scenario;

import io.pushline.bench.BenchException;
import io.pushline.bench.ProcMetrics;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Local addresses to bind client sockets to, so that more connections than one address's ephemeral ports can
 * be opened to one server port. Connection {@code i} (global index over all processes) uses address
 * {@code i mod n}.
 */
final class SourceAddresses {

  /** Upper bound of connections per source address that the automatic choice aims for. */
  static final int MAX_PER_ADDRESS = 50_000;

  private SourceAddresses() {
  }

  /** How many connections one source address may carry to one server address:port. */
  static int perAddressCapacity() {
    int ports = ProcMetrics.ephemeralPortCount();
    return ports <= 0 ? MAX_PER_ADDRESS : Math.max(1000, Math.min(MAX_PER_ADDRESS, ports - 1000));
  }

  /**
   * Resolves {@code --source-addresses}: {@code auto} gives an empty list (no bind) when {@code total} fits one
   * address, else 127.0.0.1 .. 127.0.0.n for a loopback target; otherwise a comma-separated list of addresses.
   */
  static List<InetAddress> resolve(String spec, int total, InetAddress target) {
    List<InetAddress> out = new ArrayList<>();
    if (spec == null || spec.isBlank() || "auto".equalsIgnoreCase(spec.trim())) {
      int cap = perAddressCapacity();
      int n = (int) ((total + (long) cap - 1) / cap);
      if (n <= 1 || !(target instanceof Inet4Address) || !target.isLoopbackAddress()) {
        return out;
      }
      if (n > 254) {
        throw new BenchException("--count " + total + " needs " + n + " source addresses; at most 254 are automatic");
      }
      for (int i = 1; i <= n; i++) {
        out.add(parse("127.0.0." + i));
      }
      return out;
    }
    for (String s : spec.split(",")) {
      if (!s.isBlank()) {
        out.add(parse(s.trim()));
      }
    }
    return out;
  }

  static InetAddress parse(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new BenchException("bad source address '" + s + "'");
    }
  }

  static String join(List<InetAddress> list) {
    List<String> s = new ArrayList<>();
    for (InetAddress a : list) {
      s.add(a.getHostAddress());
    }
    return String.join(",", s);
  }
}
