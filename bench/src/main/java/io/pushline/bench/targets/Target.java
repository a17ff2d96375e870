package io.pushline.bench.targets;

import com.fasterxml.jackson.databind.JsonNode;
import io.pushline.bench.Report;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The targets (2 cores, loopback, Redis on the same machine, medians of 3 runs): which runs measure each,
 * and how the medians of those runs compare. More than 60,000 connections across several gateway processes is not
 * here: it takes one generator per gateway, and their JSON lines do not say they ran together.
 */
enum Target {

  CLOSED_LOOP("closed loop 16 × 1, ≥ 1,000 clients: ≥ 45,000 pushes/s and ≥ 0.70 of redis-benchmark -c 16 -P 1") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "throughput") && r.path("window").asInt() == 1 && r.path("pushers").asInt() == 16
          && r.path("clients").asInt() >= 1_000 && overLongLivedConnections(r);
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      double acks = median(runs, r -> true, "acksPerSec");
      List<JsonNode> withCeiling = runs.stream().filter(r -> r.has("ceilingRatio")).toList();
      if (withCeiling.isEmpty()) {
        return new Verdict(String.format(Locale.ROOT, "%,.0f acks/s; no ceiling measured", acks),
            acks < 45_000 ? NOT_MET : "incomplete: run with --ceiling-redis");
      }
      double ratio = median(withCeiling, r -> true, "ceilingRatio");
      return annotated(runs, new Verdict(String.format(Locale.ROOT, "%,.0f acks/s; %.3f of the ceiling (%d runs "
          + "with one)%s", acks, ratio, withCeiling.size(), cpuPerPush(runs, 45_000)),
          acks >= 45_000 && ratio >= 0.70 ? MET : NOT_MET));
    }

    @Override
    String againstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
      return acksAgainstSeed(runs, seedRuns);
    }
  },

  PIPELINED("pipelined 4 × 64: ≥ 100,000 pushes/s") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "throughput") && r.path("window").asInt() == 64 && r.path("pushers").asInt() == 4;
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      double acks = median(runs, r -> true, "acksPerSec");
      return annotated(runs, new Verdict(String.format(Locale.ROOT, "%,.0f acks/s%s", acks,
          cpuPerPush(runs, 100_000)), acks >= 100_000 ? MET : NOT_MET));
    }

    @Override
    String againstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
      return acksAgainstSeed(runs, seedRuns);
    }
  },

  OPEN_LOOP("open loop at 5,000 pushes/s: p50 < 0.25, p99 < 0.6, p99.9 < 3 ms") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "latency") && r.path("rate").asDouble() == 5_000 && overLongLivedConnections(r);
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      double p50 = median(runs, r -> true, "p50Ms");
      double p99 = median(runs, r -> true, "p99Ms");
      double p999 = median(runs, r -> true, "p999Ms");
      return annotated(runs, new Verdict(String.format(Locale.ROOT, "p50 %.3f, p99 %.3f, p99.9 %.3f ms", p50, p99,
          p999), p50 < 0.25 && p99 < 0.6 && p999 < 3 ? MET : NOT_MET));
    }

    @Override
    String againstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
      if (seedRuns.isEmpty()) {
        return NO_SEED_RUNS;
      }
      return annotated(seedRuns, new Verdict(String.format(Locale.ROOT, "%d runs: p50 %.3f, p99 %.3f, p99.9 %.3f ms",
          seedRuns.size(), median(seedRuns, r -> true, "p50Ms"), median(seedRuns, r -> true, "p99Ms"),
          median(seedRuns, r -> true, "p999Ms")), "")).medians();
    }
  },

  IDLE_CONNECTIONS("19,000 idle connections on one gateway process, < 4 KB of RSS each (first storm)") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "connections") && r.path("count").asInt() >= 19_000 && FIRST_STORM.test(r)
          && r.path("rssPerConnectionBytes").asDouble(-1) > 0;
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      boolean allHeld = runs.stream().allMatch(r -> r.path("failed").asInt() == 0
          && r.path("droppedDuringHold").asInt() == 0 && r.path("connected").asInt() == r.path("count").asInt());
      double rss = median(runs, r -> true, "rssPerConnectionBytes");
      List<JsonNode> withHeap = runs.stream().filter(r -> r.path("liveHeapPerConnectionBytes").asDouble(-1) > 0).toList();
      String heap = withHeap.isEmpty() ? "" : String.format(Locale.ROOT, ", live heap %,.0f B",
          median(withHeap, r -> true, "liveHeapPerConnectionBytes"));
      return new Verdict(String.format(Locale.ROOT, "RSS %,.0f B per connection%s%s", rss, heap,
          allHeld ? "" : "; some failed or were dropped"), allHeld && rss < 4_096 ? MET : NOT_MET);
    }
  },

  CONNECT_RATE("connecting at ≥ 5,000/s (19,000 connections; warm: the last storm of a run of several)") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "connections") && r.path("count").asInt() >= 19_000;
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      Predicate<JsonNode> warm = r -> r.path("storms").asInt(1) > 1 && r.path("storm").asInt() == r.path("storms").asInt();
      double first = median(runs, FIRST_STORM, "connectPerSec");
      if (runs.stream().noneMatch(warm)) {
        return new Verdict(String.format(Locale.ROOT, "first storm %,.0f/s; no warm storm", first),
            first >= 5_000 ? MET : NOT_MET);
      }
      double last = median(runs, warm, "connectPerSec");
      String status = first >= 5_000 ? MET : last >= 5_000 ? "met when warm" : NOT_MET;
      return new Verdict(String.format(Locale.ROOT, "first storm %,.0f/s, last storm %,.0f/s", first, last), status);
    }

    @Override
    int runsIn(List<JsonNode> results) {
      return (int) results.stream().filter(FIRST_STORM).count();
    }
  },

  BROADCAST("broadcast to ≥ 10,000 connected clients: the last has it within 50 ms") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "broadcast") && r.path("clients").asInt() >= 10_000;
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      double last = median(runs, r -> true, "medianLastMs");
      // the machine's floor (broadcast --floor) says how far below the broadcast's time any server could get here
      List<JsonNode> withFloor = runs.stream().filter(r -> r.path("floorMultiple").asDouble(-1) > 0).toList();
      double floorMs = median(withFloor, r -> true, "/floor/medianLastMs");
      String floor = withFloor.isEmpty() ? "" : String.format(Locale.ROOT, "; the machine's floor %.1f ms%s, the "
          + "broadcast %.2f× it (%d runs with one)", floorMs, floorMs > 50 ? " (above the target: out of reach here)"
          : "", median(withFloor, r -> true, "floorMultiple"), withFloor.size());
      return annotated(runs, new Verdict(String.format(Locale.ROOT, "last client after %.1f ms (median of each run's "
          + "median round)%s", last, floor), last <= 50 ? MET : NOT_MET));
    }
  },

  /**
   * Not one of the targets: pushes as the seed's PHP snippet makes them, a connection each, measured beside
   * the targets so that each run of them says what that path does against the seed.
   */
  CONNECT_PER_PUSH("beside the targets, none set: a connection per push, 16 pushers, ≥ 1,000 clients") {
    @Override
    boolean measures(JsonNode r) {
      return is(r, "throughput") && r.path("connectPerPush").asBoolean(false) && r.path("pushers").asInt() == 16
          && r.path("clients").asInt() >= 1_000;
    }

    @Override
    Verdict judge(List<JsonNode> runs) {
      return annotated(runs, new Verdict(String.format(Locale.ROOT, "%,.0f acks/s%s",
          median(runs, r -> true, "acksPerSec"), cpuPerPush(runs, 0)), NO_TARGET));
    }

    @Override
    String againstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
      return acksAgainstSeed(runs, seedRuns);
    }
  };

  /**
   * The seed's medians over {@code seedRuns}, the same scenario run against bench/seed/push.php, and how Pushline's
   * compare; "—" where the seed has no such scenario (it holds at most 1,016 connections and has no broadcast).
   */
  String againstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
    return "—";
  }

  /** The seed's median acks/s and Pushline's as a multiple of it. */
  static String acksAgainstSeed(List<JsonNode> runs, List<JsonNode> seedRuns) {
    if (seedRuns.isEmpty()) {
      return NO_SEED_RUNS;
    }
    double seed = median(seedRuns, r -> true, "acksPerSec");
    String ratio = runs.isEmpty() ? "" : String.format(Locale.ROOT, "; Pushline %.2f× of it",
        median(runs, r -> true, "acksPerSec") / seed);
    double serverUs = median(seedRuns, r -> true, "/cpuPerPushUs/server");
    String cpu = Double.isNaN(serverUs) ? "" : String.format(Locale.ROOT, "; its server %.1f µs of CPU per push",
        serverUs);
    return annotated(seedRuns, new Verdict(String.format(Locale.ROOT, "%d runs: %,.0f acks/s%s%s", seedRuns.size(),
        seed, ratio, cpu), "")).medians();
  }

  /**
   * What a push cost the machine in the runs that measured it (throughput with --server-pid; --redis-pid adds Redis's
   * share), medians in µs of CPU, and how many cores the target's {@code rate} (if above 0) takes at that cost: on a
   * machine that the generator, the server and Redis share, that says whether the rate fits at all. Empty without
   * such runs.
   */
  static String cpuPerPush(List<JsonNode> runs, double rate) {
    List<JsonNode> measured = runs.stream().filter(r -> r.at("/cpuPerPushUs/machine").isNumber()
        && r.at("/cpuPerPushUs/server").isNumber()).toList();
    if (measured.isEmpty()) {
      return "";
    }
    double machine = median(measured, r -> true, "/cpuPerPushUs/machine");
    double redis = median(measured, r -> true, "/cpuPerPushUs/redis");
    double cores = median(measured, r -> true, "cores");
    String cost = String.format(Locale.ROOT, "; CPU per push: server %.1f%s, generator %.1f, the machine %.1f µs",
        median(measured, r -> true, "/cpuPerPushUs/server"),
        Double.isNaN(redis) ? "" : String.format(Locale.ROOT, ", Redis %.1f", redis),
        median(measured, r -> true, "/cpuPerPushUs/generator"), machine);
    return rate <= 0 ? cost : cost + String.format(Locale.ROOT, "; at that cost %,.0f/s takes %.1f of its %.0f cores",
        rate, rate * machine / 1e6, cores);
  }

  /** A connections result of a run's first storm (a run of one storm has no "storm"). */
  static final Predicate<JsonNode> FIRST_STORM = r -> r.path("storm").asInt(1) == 1;
  static final String MET = "met";
  static final String NOT_MET = "not met";
  static final String NO_SEED_RUNS = "no seed runs";
  static final String NO_TARGET = "no target";

  /** A target's medians, as a reader wants them, and its status. */
  record Verdict(String medians, String status) {
  }

  private final String description;

  Target(String description) {
    this.description = description;
  }

  String description() {
    return description;
  }

  /** Whether {@code result}, one scenario's JSON, was run the way this target is defined. */
  abstract boolean measures(JsonNode result);

  /** The medians of {@code runs}, all measuring this target, and whether they meet it. */
  abstract Verdict judge(List<JsonNode> runs);

  /** How many runs {@code results} are; a run of several storms prints a line per storm. */
  int runsIn(List<JsonNode> results) {
    return results.size();
  }

  /** {@link #judge}, once there are {@code minRuns} runs. */
  Verdict judge(List<JsonNode> results, int minRuns) {
    int runs = runsIn(results);
    if (runs == 0) {
      return new Verdict("—", "no runs");
    }
    Verdict v = judge(results);
    return runs < minRuns ? new Verdict(v.medians(), "too few runs (" + runs + " of " + minRuns + ")") : v;
  }

  /**
   * {@code v}, unless some runs lost pushes (acknowledged ok, never delivered) or got {@code fail}: speed measured
   * on a push path that drops pushes meets nothing. Runs during which the hypervisor stole more than
   * {@value Report#NOISY_STEAL_PCT}% of the machine's CPU are named too, without changing the status: their medians are
   * the reader's to weigh.
   */
  static Verdict annotated(List<JsonNode> runs, Verdict v) {
    long faulty = runs.stream().filter(r -> r.path("lost").asLong() > 0 || r.path("fails").asLong() > 0).count();
    Verdict checked = faulty == 0 ? v
        : new Verdict(v.medians() + "; " + faulty + " runs lost or failed pushes", v.status().equals(MET) ? NOT_MET : v.status());
    double[] steal = runs.stream().mapToDouble(r -> r.path("machineStealPct").asDouble(0))
        .filter(pct -> pct > Report.NOISY_STEAL_PCT).toArray();
    if (steal.length == 0) {
      return checked;
    }
    return new Verdict(checked.medians() + String.format(Locale.ROOT, "; %d runs with over %.0f%% steal (up to %.1f%%)",
        steal.length, Report.NOISY_STEAL_PCT, java.util.Arrays.stream(steal).max().getAsDouble()), checked.status());
  }

  private static boolean is(JsonNode r, String scenario) {
    return scenario.equals(r.path("scenario").asText());
  }

  /**
   * Whether the pushes went over connections that stay open, as in the set-ups; a run with a connection per
   * push ({@code --connect-per-push}) measures another path, with the same pushers and rate.
   */
  private static boolean overLongLivedConnections(JsonNode r) {
    return !r.path("connectPerPush").asBoolean(false);
  }

  /**
   * The median of {@code field} (a top-level name, or a JSON pointer such as {@code /floor/medianLastMs}) over the
   * results that pass {@code which}; NaN when none does.
   */
  static double median(List<JsonNode> results, Predicate<JsonNode> which, String field) {
    double[] v = results.stream().filter(which)
        .mapToDouble(r -> (field.startsWith("/") ? r.at(field) : r.path(field)).asDouble(Double.NaN))
        .filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
