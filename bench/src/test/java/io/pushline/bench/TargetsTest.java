package io.pushline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The targets command, on JSON lines written the way the scenarios and the run scripts write them. */
class TargetsTest {

  @TempDir
  Path dir;

  private Path file(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), List.of(lines));
  }

  private static String closed(double acks, double ratio) {
    return "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"acksPerSec\":" + acks
        + ",\"ceilingRatio\":" + ratio + "}";
  }

  private static String storm(int storm, int storms, double rate, double rss) {
    return "{\"scenario\":\"connections\",\"count\":19000,\"connected\":19000,\"failed\":0,\"droppedDuringHold\":0,"
        + "\"storm\":" + storm + ",\"storms\":" + storms + ",\"connectPerSec\":" + rate + ",\"rssPerConnectionBytes\":"
        + rss + "}";
  }

  private static JsonNode row(BenchRun r, String target) {
    return r.json().path("targets").path(target);
  }

  @Test
  void eachTargetGetsTheMedianOfItsRunsAndAStatus() throws IOException {
    Path runs = file("runs.jsonl",
        "throughput: 1000 clients ...", // a report's human line
        closed(50_000, 0.9), closed(40_000, 0.5), closed(47_000, 0.75),
        // a script's labelled line, the scenario under "result"
        "{\"label\":\"p1\",\"result\":{\"scenario\":\"throughput\",\"pushers\":4,\"window\":64,\"acksPerSec\":46000}}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.2,\"p99Ms\":0.5,\"p999Ms\":2.0}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.3,\"p99Ms\":0.7,\"p999Ms\":4.0}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.24,\"p99Ms\":0.55,\"p999Ms\":2.5}",
        "{\"scenario\":\"latency\",\"rate\":1000,\"p50Ms\":9,\"p99Ms\":9,\"p999Ms\":9}", // another set-up: not counted
        // a connection per push is another path, with the same pushers and rate: not counted either
        "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"connectPerPush\":true,"
            + "\"acksPerSec\":9000,\"ceilingRatio\":0.1}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"connectPerPush\":true,\"p50Ms\":9,\"p99Ms\":9,\"p999Ms\":9}",
        "{\"scenario\":\"broadcast\",\"clients\":1000,\"medianLastMs\":20}");
    Path storms = file("storms.jsonl",
        storm(1, 2, 2_000, 3_000), storm(2, 2, 6_000, 100),
        storm(1, 2, 2_500, 3_500), storm(2, 2, 5_500, 200),
        storm(1, 2, 1_500, 5_000), storm(2, 2, 4_000, 300));

    BenchRun r = BenchRun.of("targets", runs.toString(), storms.toString());

    assertEquals(0, r.exitCode(), r::toString);
    assertEquals(3, row(r, "CLOSED_LOOP").path("runs").asInt(), r::toString);
    assertEquals("47,000 acks/s; 0.750 of the ceiling (3 runs with one)", row(r, "CLOSED_LOOP").path("medians").asText());
    assertEquals("met", row(r, "CLOSED_LOOP").path("status").asText(), "the medians meet it, though one run does not");
    assertEquals("too few runs (1 of 3)", row(r, "PIPELINED").path("status").asText(), r::toString);
    assertEquals("p50 0.240, p99 0.550, p99.9 2.500 ms", row(r, "OPEN_LOOP").path("medians").asText(), r::toString);
    assertEquals("met", row(r, "OPEN_LOOP").path("status").asText(), r::toString);
    assertEquals("RSS 3,500 B per connection", row(r, "IDLE_CONNECTIONS").path("medians").asText(), r::toString);
    assertEquals("met", row(r, "IDLE_CONNECTIONS").path("status").asText(), r::toString);
    assertEquals(3, row(r, "CONNECT_RATE").path("runs").asInt(), "one run per first storm");
    assertEquals("first storm 2,000/s, last storm 5,500/s", row(r, "CONNECT_RATE").path("medians").asText());
    assertEquals("met when warm", row(r, "CONNECT_RATE").path("status").asText(), r::toString);
    assertEquals("no runs", row(r, "BROADCAST").path("status").asText(), "1,000 clients is not the target's set-up");
    assertTrue(r.out().contains("| pipelined 4 × 64: ≥ 100,000 pushes/s | 1 | 46,000 acks/s | too few runs (1 of 3) |"),
        r::toString);
  }

  @Test
  void aTargetMissedByTheMedianIsNotMetAndAClosedLoopWithoutItsCeilingIsIncomplete() throws IOException {
    Path runs = file("runs.jsonl",
        "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"acksPerSec\":50000}",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":160}");

    BenchRun r = BenchRun.of("targets", "--min-runs", "1", runs.toString());

    assertEquals("incomplete: run with --ceiling-redis", row(r, "CLOSED_LOOP").path("status").asText(), r::toString);
    assertEquals("not met", row(r, "BROADCAST").path("status").asText(), r::toString);
  }

  @Test
  void aBroadcastWithTheMachinesFloorReadsAsAMultipleOfIt() throws IOException {
    Path runs = file("runs.jsonl",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":150,"
            + "\"floor\":{\"medianLastMs\":100},\"floorMultiple\":1.5}",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":140,"
            + "\"floor\":{\"medianLastMs\":70},\"floorMultiple\":2.0}",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":30}"); // a run without a floor

    BenchRun r = BenchRun.of("targets", runs.toString());

    assertEquals("last client after 140.0 ms (median of each run's median round); the machine's floor 85.0 ms "
        + "(above the target: out of reach here), the broadcast 1.75× it (2 runs with one)",
        row(r, "BROADCAST").path("medians").asText(), r::toString);
    assertEquals("not met", row(r, "BROADCAST").path("status").asText(), "the floor changes no status");
  }

  @Test
  void aFloorUnderTheTargetIsNotCalledOutOfReach() throws IOException {
    Path runs = file("runs.jsonl",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":60,"
            + "\"floor\":{\"medianLastMs\":30},\"floorMultiple\":2.0}");

    BenchRun r = BenchRun.of("targets", "--min-runs", "1", runs.toString());

    assertEquals("last client after 60.0 ms (median of each run's median round); the machine's floor 30.0 ms, "
        + "the broadcast 2.00× it (1 runs with one)", row(r, "BROADCAST").path("medians").asText(), r::toString);
  }

  @Test
  void fastRunsThatLostPushesMeetNothing() throws IOException {
    Path runs = file("runs.jsonl",
        "{\"scenario\":\"throughput\",\"pushers\":4,\"window\":64,\"acksPerSec\":200000,\"lost\":3,\"fails\":0}",
        "{\"scenario\":\"throughput\",\"pushers\":4,\"window\":64,\"acksPerSec\":210000,\"lost\":0,\"fails\":0}",
        "{\"scenario\":\"throughput\",\"pushers\":4,\"window\":64,\"acksPerSec\":190000,\"lost\":0,\"fails\":0}");

    BenchRun r = BenchRun.of("targets", runs.toString());

    assertEquals("200,000 acks/s; 1 runs lost or failed pushes", row(r, "PIPELINED").path("medians").asText(), r::toString);
    assertEquals("not met", row(r, "PIPELINED").path("status").asText(), r::toString);
  }

  @Test
  void theSeedsRunsStandBesideWithPushlinesRatioToThem() throws IOException {
    Path runs = file("runs.jsonl",
        closed(30_000, 0.4), closed(33_000, 0.4), closed(36_000, 0.4),
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.2,\"p99Ms\":3,\"p999Ms\":8}",
        "{\"scenario\":\"broadcast\",\"clients\":10000,\"medianLastMs\":120}");
    Path seed = file("seed.jsonl",
        // the seed's closed loop has no ceiling; its ratio is Pushline's median over its own
        "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"acksPerSec\":28000}",
        "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"acksPerSec\":27000,"
            + "\"machineStealPct\":4.5}",
        "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,\"acksPerSec\":22000}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.15,\"p99Ms\":2.5,\"p999Ms\":7}");

    BenchRun r = BenchRun.of("targets", "--min-runs", "1", "--seed", seed.toString(), runs.toString());

    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("3 runs: 27,000 acks/s; Pushline 1.22× of it; 1 runs with over 2% steal (up to 4.5%)",
        row(r, "CLOSED_LOOP").path("seed").asText(), r::toString);
    assertEquals("not met", row(r, "CLOSED_LOOP").path("status").asText(), "the seed changes no status");
    assertEquals("1 runs: p50 0.150, p99 2.500, p99.9 7.000 ms", row(r, "OPEN_LOOP").path("seed").asText(), r::toString);
    assertEquals("no seed runs", row(r, "PIPELINED").path("seed").asText(), r::toString);
    assertEquals("—", row(r, "BROADCAST").path("seed").asText(), "the seed has no broadcast");
    assertTrue(r.out().contains("| status | the seed in the same runs |"), r::toString);
  }

  @Test
  void aConnectionPerPushStandsBesideTheTargetsAgainstTheSeedWithNoStatusOfItsOwn() throws IOException {
    String perPush = "{\"scenario\":\"throughput\",\"clients\":1000,\"pushers\":16,\"window\":1,"
        + "\"connectPerPush\":true,\"acksPerSec\":";
    Path runs = file("runs.jsonl", closed(30_000, 0.4), perPush + "9000,\"cpuPerPushUs\":{\"generator\":30,"
        + "\"server\":90,\"redis\":20,\"machine\":180}}", perPush + "9500}", perPush + "8000}");
    Path seed = file("seed.jsonl", perPush + "5000}", perPush + "5300}", perPush + "4800}");

    BenchRun r = BenchRun.of("targets", "--seed", seed.toString(), runs.toString());

    assertEquals(0, r.exitCode(), r::toString);
    assertEquals(3, row(r, "CONNECT_PER_PUSH").path("runs").asInt(), r::toString);
    // no target, so no rate to price: the CPU per push alone
    assertEquals("9,000 acks/s; CPU per push: server 90.0, Redis 20.0, generator 30.0, the machine 180.0 µs",
        row(r, "CONNECT_PER_PUSH").path("medians").asText(), r::toString);
    assertEquals("no target", row(r, "CONNECT_PER_PUSH").path("status").asText(), r::toString);
    assertEquals("3 runs: 5,000 acks/s; Pushline 1.80× of it", row(r, "CONNECT_PER_PUSH").path("seed").asText(),
        r::toString);
    assertEquals(1, row(r, "CLOSED_LOOP").path("runs").asInt(), "the closed loop counts its own runs only");
  }

  @Test
  void theCpuPerPushSaysHowManyCoresTheTargetsRateTakesAndWhatTheSeedsServerSpent() throws IOException {
    String pipelined = "{\"scenario\":\"throughput\",\"pushers\":4,\"window\":64,\"cores\":2,\"acksPerSec\":";
    Path runs = file("runs.jsonl",
        pipelined + "80000,\"cpuPerPushUs\":{\"generator\":7,\"server\":15,\"redis\":2,\"rest\":0.5,\"machine\":24.5}}",
        pipelined + "82000,\"cpuPerPushUs\":{\"generator\":6,\"server\":16,\"redis\":3,\"rest\":0,\"machine\":25}}",
        // a run without --server-pid says nothing of the CPU and is left out of its medians
        pipelined + "90000,\"cpuPerPushUs\":{\"generator\":1}}",
        // without --redis-pid, Redis is in the rest and not named
        closed(30_000, 0.4).replace("}", ",\"cores\":2,\"cpuPerPushUs\":{\"generator\":20,\"server\":40,"
            + "\"machine\":70}}"));
    Path seed = file("seed.jsonl", pipelined + "60000,\"cpuPerPushUs\":{\"generator\":9,\"server\":14.5,"
        + "\"machine\":24}}");

    BenchRun r = BenchRun.of("targets", "--min-runs", "1", "--seed", seed.toString(), runs.toString());

    assertEquals(0, r.exitCode(), r::toString);
    // medians over the two runs that measured it: server 15.5, Redis 2.5, generator 6.5, machine 24.75 µs;
    // 100,000/s x 24.75 µs = 2.475 cores
    assertEquals("82,000 acks/s; CPU per push: server 15.5, Redis 2.5, generator 6.5, the machine 24.8 µs; at that "
        + "cost 100,000/s takes 2.5 of its 2 cores", row(r, "PIPELINED").path("medians").asText(), r::toString);
    assertEquals("1 runs: 60,000 acks/s; Pushline 1.37× of it; its server 14.5 µs of CPU per push",
        row(r, "PIPELINED").path("seed").asText(), r::toString);
    assertEquals("30,000 acks/s; 0.400 of the ceiling (1 runs with one); CPU per push: server 40.0, generator 20.0, "
        + "the machine 70.0 µs; at that cost 45,000/s takes 3.2 of its 2 cores",
        row(r, "CLOSED_LOOP").path("medians").asText(), r::toString);
  }

  @Test
  void withoutTheSeedTheTableHasNoSeedColumn() throws IOException {
    BenchRun r = BenchRun.of("targets", file("runs.jsonl", closed(30_000, 0.4)).toString());

    assertTrue(r.out().contains("| target | runs | medians | status |\n"), r::toString);
    assertTrue(row(r, "CLOSED_LOOP").path("seed").isMissingNode(), r::toString);
  }

  @Test
  void runsDisturbedByStealAreNamedWithoutChangingTheStatus() throws IOException {
    Path runs = file("runs.jsonl",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.2,\"p99Ms\":0.5,\"p999Ms\":2,\"machineStealPct\":9.17}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.2,\"p99Ms\":0.5,\"p999Ms\":2,\"machineStealPct\":1.9}",
        "{\"scenario\":\"latency\",\"rate\":5000,\"p50Ms\":0.2,\"p99Ms\":0.5,\"p999Ms\":2}");

    BenchRun r = BenchRun.of("targets", runs.toString());

    assertEquals("p50 0.200, p99 0.500, p99.9 2.000 ms; 1 runs with over 2% steal (up to 9.2%)",
        row(r, "OPEN_LOOP").path("medians").asText(), r::toString);
    assertEquals("met", row(r, "OPEN_LOOP").path("status").asText(), r::toString);
  }

  @Test
  void aFileThatCannotBeReadIsOneLineAndExitCode1() {
    BenchRun r = BenchRun.of("targets", dir.resolve("missing.jsonl").toString());

    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("cannot read"), r::toString);
  }
}
