package io.pushline.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process metrics read from the JVM and from Linux {@code /proc}. Every reader returns -1 when the value is not
 * available (other OS, process gone, permission), never throws.
 */
public final class ProcMetrics {

  /** Linux USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every mainstream Linux build. */
  static final long CLOCK_TICKS_PER_SECOND = 100;

  private ProcMetrics() {
  }

  /** CPU time (user + system, all threads) used by this JVM so far, in nanoseconds. */
  public static long selfCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      long t = sun.getProcessCpuTime();
      if (t >= 0) {
        return t;
      }
    }
    return pidCpuNanos(ProcessHandle.current().pid());
  }

  /** CPU time spent between two readings of {@link #selfCpuNanos} or {@link #pidCpuNanos}; -1 when either failed. */
  public static long cpuSpent(long before, long after) {
    return before < 0 || after < 0 ? -1 : after - before;
  }

  /** CPU time (utime + stime) of process {@code pid} from /proc/PID/stat, in nanoseconds (10 ms resolution). */
  public static long pidCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // the command name (field 2) is in parentheses and may hold spaces: split after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
      // f[0] is field 3 (state): utime is field 14, stime field 15
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Resident set size of process {@code pid} (VmRSS in /proc/PID/status), in bytes. */
  public static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          String[] f = line.substring(6).trim().split("\\s+");
          return Long.parseLong(f[0]) * 1024L; // kB
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Soft limit on open files of this process (/proc/self/limits), or -1. */
  public static long maxOpenFiles() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Size of the ephemeral port range (/proc/sys/net/ipv4/ip_local_port_range), or -1. */
  public static int ephemeralPortCount() {
    try {
      String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return Integer.parseInt(f[1]) - Integer.parseInt(f[0]) + 1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Garbage collections of this JVM so far: {count, accumulated collection time in ms} over all collectors. */
  public static long[] gcTotals() {
    long count = 0;
    long millis = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  /**
   * CPU used between two samples as a percentage of one core (100 = one core busy all the time), or -1 when a
   * sample is missing.
   */
  public static double cpuPercent(long cpuStartNanos, long cpuEndNanos, long wallNanos) {
    if (cpuStartNanos < 0 || cpuEndNanos < 0 || wallNanos <= 0) {
      return -1;
    }
    return 100.0 * (cpuEndNanos - cpuStartNanos) / wallNanos;
  }

  /**
   * CPU time of each of this JVM's live threads so far, in nanoseconds, with their names: the generator's total
   * CPU can stay under one core while one of its event loops is saturated, and then the generator, not the server,
   * sets the pace.
   */
  public record ThreadCpu(java.util.Map<Long, Long> nanos, java.util.Map<Long, String> names) {

    /** Now, or null when the JVM does not measure thread CPU time. */
    public static ThreadCpu now() {
      java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
        return null;
      }
      java.util.Map<Long, Long> nanos = new java.util.HashMap<>();
      java.util.Map<Long, String> names = new java.util.HashMap<>();
      for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (t == null) {
          continue; // ended since the ids were taken
        }
        long cpu = threads.getThreadCpuTime(t.getThreadId());
        if (cpu >= 0) {
          nanos.put(t.getThreadId(), cpu);
          names.put(t.getThreadId(), t.getThreadName());
        }
      }
      return new ThreadCpu(nanos, names);
    }

    /** A thread and its CPU over an interval, in % of one core. */
    public record Busiest(String thread, double pct) {
    }

    /**
     * The thread that used the most CPU between {@code before} and {@code after} (both alive at both), over
     * {@code wallNanos}; null when a sample is missing.
     */
    public static Busiest busiestBetween(ThreadCpu before, ThreadCpu after, long wallNanos) {
      if (before == null || after == null || wallNanos <= 0) {
        return null;
      }
      Busiest busiest = null;
      for (java.util.Map.Entry<Long, Long> e : after.nanos.entrySet()) {
        Long start = before.nanos.get(e.getKey());
        if (start == null) {
          continue;
        }
        double pct = 100.0 * (e.getValue() - start) / wallNanos;
        if (busiest == null || pct > busiest.pct()) {
          busiest = new Busiest(after.names.get(e.getKey()), pct);
        }
      }
      return busiest;
    }
  }

  /**
   * The whole machine's CPU time so far, all cores, from the first line of /proc/stat, in USER_HZ ticks. Steal is
   * the time the hypervisor ran something else while this guest had work: on a shared virtual machine it says how
   * much of a noisy run was the neighbours'.
   */
  public record MachineTicks(long busy, long idle, long steal) {

    /** Nothing yet: the start of a sum of intervals ({@link #plus}). */
    public static final MachineTicks NONE = new MachineTicks(0, 0, 0);

    /**
     * These ticks plus those that passed between {@code before} and {@code after}, to add up measured intervals and
     * leave out the pauses between them; null when any reading is missing.
     */
    public MachineTicks plus(MachineTicks before, MachineTicks after) {
      if (before == null || after == null) {
        return null;
      }
      return new MachineTicks(busy + after.busy - before.busy, idle + after.idle - before.idle,
          steal + after.steal - before.steal);
    }

    /** Now, or null when /proc/stat cannot be read. */
    public static MachineTicks now() {
      try (java.io.BufferedReader r = Files.newBufferedReader(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
        String[] f = r.readLine().trim().split(" +");
        // cpu user nice system idle iowait irq softirq steal [guest guest_nice: already in user and nice]
        long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
            + Long.parseLong(f[7]);
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        return new MachineTicks(busy, idle, steal);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    /**
     * {@code {busyPct, stealPct}} between {@code before} and {@code after}, in % of all cores' time (100 = every
     * core busy, or stolen, throughout); null when either is missing or no tick passed.
     */
    public static double[] sharesBetween(MachineTicks before, MachineTicks after) {
      if (before == null || after == null) {
        return null;
      }
      long busy = after.busy - before.busy;
      long steal = after.steal - before.steal;
      long total = busy + steal + (after.idle - before.idle);
      return total <= 0 ? null : new double[] {100.0 * busy / total, 100.0 * steal / total};
    }
  }
}
