package io.pushline.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What a scenario prints: a human-readable summary (several lines) followed by exactly one JSON line. Both go to
 * stdout; the JSON line is the last one and the only one starting with '{'.
 */
public final class Report {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  /** Steal above this share of the machine's CPU marks a run as disturbed from outside the machine. */
  public static final double NOISY_STEAL_PCT = 2;

  /** A generator thread busier than this share of one core may have been the run's bottleneck. */
  static final double SATURATED_THREAD_PCT = 90;

  private final List<String> lines = new ArrayList<>();
  private final ObjectNode json = MAPPER.createObjectNode();

  public Report(String scenario) {
    json.put("scenario", scenario);
  }

  public ObjectNode json() {
    return json;
  }

  /** Adds a summary line ({@link String#format} with the root locale). */
  public Report line(String format, Object... args) {
    lines.add(String.format(Locale.ROOT, format, args));
    return this;
  }

  public List<String> lines() {
    return lines;
  }

  public String jsonLine() {
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public void print(PrintWriter out, boolean jsonOnly) {
    if (!jsonOnly) {
      for (String l : lines) {
        out.println(l);
      }
    }
    out.println(jsonLine());
    out.flush();
  }

  /** Rounds to 3 decimals so that the JSON stays readable. */
  public static double round3(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return -1;
    }
    return Math.round(v * 1000.0) / 1000.0;
  }

  /**
   * The generator's busiest thread over the measured interval ({@code generatorBusiestThread},
   * {@code generatorBusiestThreadPct}), with a warning when it was near a whole core: then the generator may have
   * set the pace, whatever its total CPU.
   */
  public void busiestThread(ProcMetrics.ThreadCpu before, ProcMetrics.ThreadCpu after, long wallNanos) {
    ProcMetrics.ThreadCpu.Busiest b = ProcMetrics.ThreadCpu.busiestBetween(before, after, wallNanos);
    if (b == null) {
      return;
    }
    json.put("generatorBusiestThread", b.thread());
    json.put("generatorBusiestThreadPct", round3(b.pct()));
    line("  generator's busiest thread: %s at %.1f%% of one core", b.thread(), b.pct());
    if (b.pct() > SATURATED_THREAD_PCT) {
      line("  WARNING: the generator's thread %s was busy %.1f%% of the time: it may have set the pace; give it "
          + "more threads (--client-threads; --pusher-threads for throughput) or a second generator", b.thread(), b.pct());
    }
  }

  /**
   * The machine's CPU over a measured interval: {@code "machineBusyPct"} and {@code "machineStealPct"} (of all cores'
   * time) and a line saying them, with a warning above {@value #NOISY_STEAL_PCT}% of steal, or nothing when
   * /proc/stat could not be read. Busy time is sampled by the kernel at its ticks, so it reads low on a machine of
   * short bursts; steal is the hypervisor's own count. Returns {busy, steal} in % of all cores, or null.
   */
  public double[] machineCpu(ProcMetrics.MachineTicks before, ProcMetrics.MachineTicks after) {
    double[] shares = ProcMetrics.MachineTicks.sharesBetween(before, after);
    if (shares == null) {
      return null;
    }
    json.put("machineBusyPct", round3(shares[0]));
    json.put("machineStealPct", round3(shares[1]));
    line("  machine: %.1f%% of all %d cores busy, %.1f%% stolen by the hypervisor (other guests)", shares[0],
        Runtime.getRuntime().availableProcessors(), shares[1]);
    if (shares[1] > NOISY_STEAL_PCT) {
      line("  WARNING: the hypervisor took %.1f%% of this machine's CPU for other guests during the run: it was "
          + "disturbed from outside; compare it with care", shares[1]);
    }
    return shares;
  }

  /**
   * Percentiles of a histogram recorded in nanoseconds, as milliseconds: {@code {"count","p50","p90","p99",
   * "p999","max","mean"}}. An empty histogram gives count 0 and -1 everywhere else.
   */
  public static ObjectNode latencyMs(Histogram nanos) {
    ObjectNode n = MAPPER.createObjectNode();
    long count = nanos.getTotalCount();
    n.put("count", count);
    n.put("p50", count == 0 ? -1 : ms(nanos.getValueAtPercentile(50)));
    n.put("p90", count == 0 ? -1 : ms(nanos.getValueAtPercentile(90)));
    n.put("p99", count == 0 ? -1 : ms(nanos.getValueAtPercentile(99)));
    n.put("p999", count == 0 ? -1 : ms(nanos.getValueAtPercentile(99.9)));
    n.put("max", count == 0 ? -1 : ms(nanos.getMaxValue()));
    n.put("mean", count == 0 ? -1 : round3(nanos.getMean() / 1e6));
    return n;
  }

  /** One summary fragment: {@code p50 0.123 ms, p90 ..., max ...}. */
  public static String latencyText(Histogram nanos) {
    if (nanos.getTotalCount() == 0) {
      return "no samples";
    }
    return String.format(Locale.ROOT, "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (n=%d)",
        nanos.getValueAtPercentile(50) / 1e6, nanos.getValueAtPercentile(90) / 1e6,
        nanos.getValueAtPercentile(99) / 1e6, nanos.getValueAtPercentile(99.9) / 1e6,
        nanos.getMaxValue() / 1e6, nanos.getTotalCount());
  }

  private static double ms(long nanos) {
    return round3(nanos / 1e6);
  }

  /** A latency histogram in nanoseconds, 1 µs .. 10 min, 3 significant digits. */
  public static Histogram newNanosHistogram() {
    return new Histogram(1000L, 600_000_000_000L, 3);
  }

  /** Records a nanosecond latency, clamped into the histogram's range. */
  public static void record(Histogram h, long nanos) {
    long v = nanos < 1000 ? 1000 : nanos;
    h.recordValue(Math.min(v, h.getHighestTrackableValue()));
  }
}
