package io.pushline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Where the machine's CPU went per acknowledged push, in microseconds: the generator, the server, Redis, and the rest
 * of the machine's busy time (the kernel's network work done outside these processes, anything else running). When
 * the generator and the server share a small machine, pushes per second say how the CPU was split as much as how
 * fast the server is; CPU per push says what a push costs each part, and what a rate would take.
 *
 * <p>A part not measured is NaN and left out. The processes' CPU is exact; the machine's busy time is sampled at the
 * kernel's ticks, so {@code rest} is an estimate and can come out slightly negative.
 */
public record CpuPerPush(double generatorUs, double serverUs, double redisUs, double machineUs, int cores) {

  /**
   * From the CPU shares of a measured interval in which {@code acksPerSec} pushes were answered {@code ok}: the
   * processes' in % of one core (negative when not measured), the machine's busy time in % of all its
   * {@code cores} (negative when /proc/stat could not be read).
   */
  public static CpuPerPush of(double acksPerSec, double generatorPct, double serverPct, double redisPct,
      double machineBusyPct, int cores) {
    return new CpuPerPush(us(generatorPct, acksPerSec), us(serverPct, acksPerSec), us(redisPct, acksPerSec),
        machineBusyPct < 0 ? Double.NaN : us(machineBusyPct * cores, acksPerSec), cores);
  }

  private static double us(double pctOfOneCore, double perSec) {
    return pctOfOneCore < 0 || perSec <= 0 ? Double.NaN : pctOfOneCore / 100 * 1e6 / perSec;
  }

  /**
   * The machine's busy time per push less the processes measured (Redis counts as 0 when not measured: then the rest
   * holds it); NaN without the machine's, the generator's or the server's.
   */
  public double restUs() {
    return machineUs - generatorUs - serverUs - (Double.isNaN(redisUs) ? 0 : redisUs);
  }

  /** Pushes per second that would keep all the machine's cores busy at this CPU per push; NaN without the machine's. */
  public double machineFullAt() {
    return cores * 1e6 / machineUs;
  }

  /** {@code "cpuPerPushUs": {"generator","server","redis","rest","machine"}}, the parts measured only. */
  public void putJson(ObjectNode parent) {
    ObjectNode n = parent.putObject("cpuPerPushUs");
    put(n, "generator", generatorUs);
    put(n, "server", serverUs);
    put(n, "redis", redisUs);
    put(n, "rest", restUs());
    put(n, "machine", machineUs);
  }

  private static void put(ObjectNode n, String name, double us) {
    if (!Double.isNaN(us)) {
      n.put(name, Report.round3(us));
    }
  }

  /** One summary line, or null when only the generator's was measured. */
  public String text() {
    if (Double.isNaN(serverUs) && Double.isNaN(redisUs) && Double.isNaN(machineUs)) {
      return null;
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  CPU per push    generator %.1f µs", generatorUs));
    append(b, "server", serverUs);
    append(b, "Redis", redisUs);
    append(b, "rest of the machine", restUs());
    if (!Double.isNaN(machineUs)) {
      b.append(String.format(Locale.ROOT, "; the machine %.1f µs (%,.0f pushes/s would keep its %d cores busy)",
          machineUs, machineFullAt(), cores));
    }
    return b.toString();
  }

  private static void append(StringBuilder b, String name, double us) {
    if (!Double.isNaN(us)) {
      b.append(String.format(Locale.ROOT, ", %s %.1f", name, us));
    }
  }
}
