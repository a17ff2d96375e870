package io.pushline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.uring.IoUring;
import io.pushline.testkit.JavaProcess;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each scenario, briefly, against the in-test fake server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScenarioTest {

  private static FakePushServer server;

  @BeforeAll
  static void start() throws InterruptedException {
    server = new FakePushServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void throughputClosedLoop() {
    BenchRun r = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "50", "--pushers", "4", "--window", "1", "--duration", "1s", "--warmup", "300ms",
        "--payload-bytes", "96", "--server-pid", String.valueOf(ProcessHandle.current().pid()));
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals("throughput", j.get("scenario").asText());
    assertTrue(j.get("acks").asLong() > 0, r::toString);
    assertTrue(j.get("acksPerSec").asDouble() > 0, r::toString);
    assertTrue(j.get("framesPerSec").asDouble() > 0, r::toString);
    assertEquals(0, j.get("fails").asLong(), r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertEquals(0, j.get("duplicates").asLong(), r::toString);
    assertEquals(0, j.get("misrouted").asLong(), r::toString);
    assertEquals(0, j.get("unanswered").asLong(), r::toString);
    assertEquals(j.get("sent").asLong(), j.get("ackedOk").asLong(), r::toString);
    assertEquals(j.get("sent").asLong(), j.get("delivered").asLong(), r::toString);
    assertTrue(j.get("latencyMs").get("p50").asDouble() > 0, r::toString);
    assertTrue(j.get("latencyMs").get("count").asLong() > 0, r::toString);
    assertTrue(j.get("cpuPct").asDouble() > 0, r::toString);
    assertTrue(j.get("serverCpuPct").asDouble() >= 0, r::toString);
    assertTrue(r.out().contains("acks/s"), r::toString);
    assertMachineCpu(r);
  }

  @Test
  void throughputSplitsTheMachinesCpuPerPush() throws Exception {
    // --redis-pid reads any local process's CPU: a busy loop stands in for a Redis that works, so that its share
    // cannot be read as zero by mistake
    Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      BenchRun r = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
          "--clients", "20", "--pushers", "2", "--window", "4", "--duration", "1s", "--warmup", "300ms",
          "--server-pid", String.valueOf(ProcessHandle.current().pid()), "--redis-pid", String.valueOf(busy.pid()));
      assertEquals(0, r.exitCode(), r::toString);
      JsonNode j = r.json();
      double acks = j.get("acksPerSec").asDouble();
      assertEquals(busy.pid(), j.get("redisPid").asLong(), r::toString);
      assertTrue(j.get("redisCpuPct").asDouble() > 20, r::toString);
      JsonNode us = j.get("cpuPerPushUs");
      assertEquals(j.get("cpuPct").asDouble() * 1e4 / acks, us.get("generator").asDouble(), 0.01, r::toString);
      assertEquals(j.get("serverCpuPct").asDouble() * 1e4 / acks, us.get("server").asDouble(), 0.01, r::toString);
      assertEquals(j.get("redisCpuPct").asDouble() * 1e4 / acks, us.get("redis").asDouble(), 0.01, r::toString);
      assertEquals(j.get("machineBusyPct").asDouble() * j.get("cores").asInt() * 1e4 / acks,
          us.get("machine").asDouble(), 0.01 * us.get("machine").asDouble(), r::toString);
      assertEquals(us.get("machine").asDouble() - us.get("generator").asDouble() - us.get("server").asDouble()
          - us.get("redis").asDouble(), us.get("rest").asDouble(), 0.01, r::toString);
      assertTrue(r.out().contains("CPU per push    generator "), r::toString);
    } finally {
      busy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPidOfNoLocalProcessIsRefusedBeforeTheRun() throws Exception {
    Process ended = new ProcessBuilder("true").start();
    assertTrue(ended.waitFor(10, TimeUnit.SECONDS));
    String pid = String.valueOf(ended.pid());
    BenchRun t = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(), "--clients", "2",
        "--pushers", "1", "--duration", "200ms", "--warmup", "0s", "--redis-pid", pid);
    assertEquals(BenchMain.EXIT_FAILED, t.exitCode(), t::toString);
    assertTrue(t.err().contains("--redis-pid " + pid + ": no such process on this machine"), t::toString);
    assertTrue(t.jsonLines().isEmpty(), "refused before the run: " + t);
    BenchRun l = BenchRun.of("latency", "--ws", server.wsUrl(), "--ingest", server.ingest(), "--clients", "2",
        "--rate", "100", "--duration", "200ms", "--server-pid", pid);
    assertEquals(BenchMain.EXIT_FAILED, l.exitCode(), l::toString);
    assertTrue(l.err().contains("--server-pid " + pid + ": no such process on this machine"), l::toString);
  }

  @Test
  void throughputPipelinedWithQueryUids() {
    BenchRun r = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "20", "--pushers", "2", "--window", "16", "--duration", "700ms", "--warmup", "200ms",
        "--uid-mode", "query", "--json-only");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals(1, r.out().strip().split("\\R").length, "--json-only prints only the JSON line");
    assertTrue(j.get("acks").asLong() > 0, r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertEquals(0, j.get("fails").asLong(), r::toString);
    assertEquals("query", j.get("uidMode").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"auto", "io_uring"})
  void throughputWithAConnectionPerPush(String transport) {
    if (transport.equals("io_uring")) {
      Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring is not available: " + IoUring.unavailabilityCause());
    }
    int before = server.ingestConnections();
    BenchRun r = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "20", "--pushers", "3", "--connect-per-push", "--duration", "700ms", "--warmup", "200ms",
        "--transport", transport);
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    if (!transport.equals("auto")) {
      assertEquals(transport, j.get("transport").asText(), r::toString);
    }
    long sent = j.get("sent").asLong();
    assertTrue(j.get("acks").asLong() > 0, r::toString);
    assertTrue(j.get("connectPerPush").asBoolean(), r::toString);
    assertEquals(0, j.get("connectFailures").asLong(), r::toString);
    assertEquals(0, j.get("closedBeforeReply").asLong(), r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertEquals(0, j.get("unanswered").asLong(), r::toString);
    assertEquals(sent, j.get("ackedOk").asLong(), r::toString);
    assertEquals(sent, j.get("delivered").asLong(), r::toString);
    // the registration check shares connections; every push has one of its own
    assertTrue(server.ingestConnections() - before >= sent, () -> (server.ingestConnections() - before)
        + " ingest connections for " + sent + " pushes\n" + r);
    assertTrue(r.out().contains("a connection per push"), r::toString);

    BenchRun windowed = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--connect-per-push", "--window", "4");
    assertEquals(BenchMain.EXIT_FAILED, windowed.exitCode(), windowed::toString);
    assertTrue(windowed.err().contains("--connect-per-push") && windowed.err().contains("--window 1"),
        windowed::toString);
  }

  @Test
  void throughputCountsLostPushes() {
    try (FakePushServer lossy = newServer()) {
      lossy.dropEvery(10);
      BenchRun r = BenchRun.of("throughput", "--ws", lossy.wsUrl(), "--ingest", lossy.ingest(),
          "--clients", "10", "--pushers", "2", "--window", "4", "--duration", "500ms", "--warmup", "100ms",
          "--grace", "300ms");
      assertEquals(0, r.exitCode(), r::toString);
      JsonNode j = r.json();
      long sent = j.get("sent").asLong();
      long lost = j.get("lost").asLong();
      assertTrue(sent > 0, r::toString);
      // every 10th data push is acknowledged ok but never delivered
      assertTrue(Math.abs(lost - sent / 10) <= 1, () -> "lost " + lost + " of " + sent + "\n" + r);
      assertEquals(sent - lost, j.get("delivered").asLong(), r::toString);
    }
  }

  @Test
  void latencyOpenLoop() {
    BenchRun r = BenchRun.of("latency", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "30", "--pushers", "2", "--rate", "2000", "--duration", "1s", "--warmup", "200ms");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals("latency", j.get("scenario").asText());
    assertEquals(2000, j.get("scheduled").asLong(), r::toString);
    assertEquals(2000, j.get("count").asLong(), r::toString);
    assertEquals(0, j.get("fails").asLong(), r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertEquals(0, j.get("skipped").asLong(), r::toString);
    double p50 = j.get("p50Ms").asDouble();
    assertTrue(p50 > 0, r::toString);
    assertTrue(j.get("p90Ms").asDouble() >= p50, r::toString);
    assertTrue(j.get("p99Ms").asDouble() >= j.get("p90Ms").asDouble(), r::toString);
    assertTrue(j.get("p999Ms").asDouble() >= j.get("p99Ms").asDouble(), r::toString);
    assertTrue(j.get("maxMs").asDouble() >= j.get("p999Ms").asDouble(), r::toString);
    assertTrue(r.out().contains("intended send time"), r::toString);
    assertMachineCpu(r);
    if (TimerSlack.current() > 0) { // Linux: the sender asks for precise timers by default
      assertEquals(1, j.get("timerSlackNs").asLong(), r::toString);
      assertTrue(r.out().contains("the sender's timer slack 1 ns"), r::toString);
    }
  }

  /**
   * On Linux a measured interval reports the machine's busy and stolen shares (elsewhere neither), and the
   * generator's busiest thread.
   */
  private static void assertMachineCpu(BenchRun r) {
    JsonNode j = r.json();
    if (ProcMetrics.MachineTicks.now() == null) {
      assertFalse(j.has("machineBusyPct"), r::toString);
      return;
    }
    double busy = j.get("machineBusyPct").asDouble();
    double steal = j.get("machineStealPct").asDouble();
    // busy >= 0, not > 0: the kernel samples busy time at its ticks, and a short light run may fall between them
    assertTrue(busy >= 0 && busy <= 100 && steal >= 0 && busy + steal <= 100, r::toString);
    assertTrue(r.out().contains("stolen by the hypervisor"), r::toString);
    if (j.has("generatorBusiestThread")) { // absent only where the JVM does not measure thread CPU time
      // in-process, the fake server's threads are this JVM's too
      assertFalse(j.get("generatorBusiestThread").asText().isEmpty(), r::toString);
      double pct = j.get("generatorBusiestThreadPct").asDouble();
      assertTrue(pct >= 0 && pct <= 100.5 && pct <= j.get("cpuPct").asDouble() + 0.5, r::toString);
    }
  }

  @Test
  void latencyWithAConnectionPerPush() {
    int before = server.ingestConnections();
    BenchRun r = BenchRun.of("latency", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "20", "--connect-per-push", "--rate", "500", "--duration", "1s", "--warmup", "200ms");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertTrue(j.get("connectPerPush").asBoolean(), r::toString);
    assertEquals(500, j.get("count").asLong(), r::toString);
    assertEquals(0, j.get("fails").asLong(), r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertEquals(0, j.get("skipped").asLong(), r::toString);
    assertEquals(0, j.get("unanswered").asLong(), r::toString);
    assertEquals(0, j.get("connectFailures").asLong(), r::toString);
    assertEquals(0, j.get("closedBeforeReply").asLong(), r::toString);
    assertEquals(j.get("sent").asLong(), j.get("ackedOk").asLong(), r::toString);
    assertTrue(j.get("replyLatencyMs").get("p50").asDouble() > 0, r::toString);
    assertTrue(server.ingestConnections() - before >= j.get("sent").asLong(), r::toString);
  }

  @Test
  void latencyCanKeepTheSendersDefaultTimerSlack() {
    BenchRun r = BenchRun.of("latency", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "5", "--pushers", "1", "--rate", "500", "--duration", "200ms", "--warmup", "100ms",
        "--timer-slack", "0");
    assertEquals(0, r.exitCode(), r::toString);
    // A new thread starts with its creator's slack; this test thread has the default, as the sender then does.
    assertEquals(TimerSlack.current(), r.json().get("timerSlackNs").asLong(), r::toString);
    BenchRun negative = BenchRun.of("latency", "--timer-slack", "-1");
    assertEquals(BenchMain.EXIT_FAILED, negative.exitCode(), negative::toString);
    assertTrue(negative.err().contains("--timer-slack must be >= 0 ns"), negative::toString);
  }

  @Test
  void latencyWithIdleClientsConnectedBeside() {
    BenchRun r = BenchRun.of("latency", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "20", "--idle-clients", "300", "--pushers", "2", "--rate", "1000", "--duration", "1s",
        "--warmup", "200ms");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals(300, j.get("idleClients").asInt(), r::toString);
    assertEquals(0, j.get("idleDropped").asInt(), r::toString);
    assertEquals(1000, j.get("count").asLong(), r::toString);
    assertEquals(0, j.get("lost").asLong(), r::toString);
    assertTrue(r.out().contains("with 300 idle clients connected"), r::toString);
  }

  @Test
  void connectionsInProcess() {
    BenchRun r = BenchRun.of("connections", "--ws", server.wsUrl(), "--count", "200", "--hold", "300ms",
        "--processes", "1", "--server-pid", String.valueOf(ProcessHandle.current().pid()));
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals("connections", j.get("scenario").asText());
    assertEquals(200, j.get("connected").asInt(), r::toString);
    assertEquals(0, j.get("failed").asInt(), r::toString);
    assertEquals(0, j.get("droppedDuringHold").asInt(), r::toString);
    assertTrue(j.get("connectPerSec").asDouble() > 0, r::toString);
    assertTrue(j.get("connectP50Ms").asDouble() > 0, r::toString);
    assertTrue(j.get("connectP99Ms").asDouble() >= j.get("connectP50Ms").asDouble(), r::toString);
    assertTrue(j.get("rssBeforeBytes").asLong() > 0, r::toString);
    assertTrue(j.has("rssPerConnectionBytes"), r::toString);
    // the server here is this test's own JVM, which also runs the generator: it did spend CPU while connecting
    assertTrue(j.get("serverCpuConnectS").asDouble() > 0, r::toString);
    assertTrue(j.get("serverCpuPerConnectionUs").asDouble() > 0, r::toString);
    // the generator reports its own CPU, so a reader can tell when it, not the server, capped the rate
    assertTrue(j.get("generatorCpuPerConnectionUs").asDouble() > 0, r::toString);
    assertTrue(j.get("generatorCoresWhileConnecting").asDouble() > 0, r::toString);
  }

  @Test
  void connectionsInStormsReportEachStorm() {
    BenchRun r = BenchRun.of("connections", "--ws", server.wsUrl(), "--count", "50", "--hold", "100ms",
        "--processes", "1", "--storms", "3", "--between", "100ms");
    assertEquals(0, r.exitCode(), r::toString);
    List<String> lines = r.jsonLines();
    assertEquals(3, lines.size(), r::toString);
    for (int i = 0; i < 3; i++) {
      JsonNode j = readJson(lines.get(i));
      assertEquals(i + 1, j.get("storm").asInt(), r::toString);
      assertEquals(3, j.get("storms").asInt(), r::toString);
      assertEquals(50, j.get("connected").asInt(), r::toString);
      assertEquals(0, j.get("droppedDuringHold").asInt(), r::toString);
      assertTrue(j.get("generatorCpuPerConnectionUs").asDouble() > 0, r::toString);
    }
    BenchRun refused = BenchRun.of("connections", "--ws", server.wsUrl(), "--count", "10", "--processes", "2",
        "--storms", "2");
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.err().contains("--storms 2 needs one generator process"), refused::toString);
  }

  @Test
  void connectionsReportTheServerJvmsLiveHeapPerConnection() {
    // In this process, then from two child processes (the server is read around all of their connections). A server
    // JVM of its own per run: the generator attaches to it (this test's JVM would need allowAttachSelf), and a server
    // still closing the last run's connections would have them in the first reading.
    for (String processes : List.of("1", "2")) {
      try (JavaProcess fake = JavaProcess.start(FakePushServer.class.getName(),
          List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xlog:gc:stdout"), List.of("0", "0"), Map.of())) {
        String ws = fake.awaitLine(Pattern.compile("ws (ws://\\S+)"), Duration.ofSeconds(20)).replaceAll(".*ws (ws://\\S+).*", "$1");
        BenchRun r = BenchRun.of("connections", "--ws", ws, "--count", "1000", "--hold", "200ms", "--processes", processes,
            "--child-heap", "128m", "--server-pid", String.valueOf(fake.pid()), "--server-heap");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = r.json();
        assertEquals(1000, j.get("connected").asInt(), r::toString);
        assertTrue(j.get("serverLiveHeapBeforeBytes").asLong() > 0, r::toString);
        // a Netty channel with its pipeline and the fake server's maps hold kilobytes
        double perConnection = j.get("liveHeapPerConnectionBytes").asDouble();
        assertTrue(perConnection > 500 && perConnection < 20_000, r::toString);
        assertTrue(r.out().contains("server live heap after a full GC"), r::toString);
        // each reading came right after a full collection of the server: one on attaching (discarded, see
        // ServerHeap.attach), one before connecting, one after the hold
        Awaitility.await("the server's GC log").atMost(Duration.ofSeconds(5))
            .until(() -> fake.output().lines().filter(l -> l.contains("Pause Full (System.gc())")).count() == 3);
      }
    }
    BenchRun noPid = BenchRun.of("connections", "--ws", server.wsUrl(), "--count", "10", "--server-heap");
    assertEquals(1, noPid.exitCode(), noPid::toString);
    assertTrue(noPid.err().contains("--server-heap needs --server-pid"), noPid::toString);
  }

  private static JsonNode readJson(String line) {
    try {
      return Report.MAPPER.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("bad JSON line: " + line, e);
    }
  }

  @Test
  void connectionsInChildProcesses() {
    BenchRun r = BenchRun.of("connections", "--ws", server.wsUrl(), "--count", "101", "--hold", "200ms",
        "--processes", "2", "--rate-limit", "2000", "--child-heap", "128m");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals(2, j.get("processes").asInt(), r::toString);
    assertEquals(101, j.get("connected").asInt(), r::toString);
    assertEquals(2, j.get("perProcess").size(), r::toString);
    assertEquals(51, j.get("perProcess").get(0).get("connected").asInt(), r::toString);
    assertEquals(50, j.get("perProcess").get(1).get("connected").asInt(), r::toString);
    assertTrue(j.get("connectMs").get("count").asLong() == 101, r::toString);
    // the children's CPU adds up to the generator's
    assertTrue(j.get("generatorCpuPerConnectionUs").asDouble() > 0, r::toString);
    // the child JVMs are gone
    assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count());
  }

  @Test
  void broadcastRounds() {
    BenchRun r = BenchRun.of("broadcast", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "40", "--repeat", "3", "--interval", "50ms", "--timeout", "3s", "--transport", "nio",
        "--client-threads", "2", "--server-pid", String.valueOf(ProcessHandle.current().pid()));
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals("broadcast", j.get("scenario").asText());
    assertEquals(3, j.get("rounds").size(), r::toString);
    assertEquals(3, j.get("roundsComplete").asInt(), r::toString);
    for (JsonNode round : j.get("rounds")) {
      assertEquals("ok", round.get("reply").asText(), r::toString);
      assertEquals(40, round.get("received").asInt(), r::toString);
      assertTrue(round.get("lastMs").asDouble() >= round.get("firstMs").asDouble(), r::toString);
      assertTrue(round.get("firstMs").asDouble() > 0, r::toString);
    }
    assertTrue(j.get("medianLastMs").asDouble() >= j.get("medianFirstMs").asDouble(), r::toString);
    assertEquals(0, j.get("duplicates").asInt(), r::toString);
    // Both sides' process CPU comes in 10 ms clock ticks (the JVM's from times(2), the server's from /proc): three
    // rounds of a few milliseconds may read as none, but never as unreadable (-1)
    assertTrue(j.get("generatorCpuMsPerRound").asDouble() >= 0, r::toString);
    assertTrue(j.get("serverCpuMsPerRound").asDouble() >= 0, r::toString);
    assertEquals("nio", j.get("transport").asText());
  }

  @Test
  void broadcastWithTheMachinesFloor() {
    BenchRun r = BenchRun.of("broadcast", "--ws", server.wsUrl(), "--ingest", server.ingest(),
        "--clients", "40", "--repeat", "3", "--interval", "50ms", "--timeout", "3s", "--floor", "--floor-threads", "2");
    assertEquals(0, r.exitCode(), r::toString);
    JsonNode j = r.json();
    assertEquals(3, j.get("roundsComplete").asInt(), r::toString);
    JsonNode f = j.get("floor");
    assertEquals(40, f.get("clients").asInt(), r::toString);
    assertEquals(2, f.get("senderThreads").asInt(), r::toString);
    assertEquals(66, f.get("frameBytes").asInt(), "the frame a server sends for the 64-byte line");
    // a round counts only once every byte of the 40 frames arrived
    assertEquals(3, f.get("roundsComplete").asInt(), r::toString);
    assertFalse(f.has("error"), r::toString);
    assertTrue(f.get("medianFirstMs").asDouble() > 0, r::toString);
    assertTrue(f.get("medianLastMs").asDouble() >= f.get("medianFirstMs").asDouble(), r::toString);
    assertTrue(f.get("senderCpuMsPerRound").asDouble() >= 0, r::toString);
    assertTrue(f.get("generatorCpuMsPerRound").asDouble() >= 0, r::toString);
    // the machine's share stolen by the hypervisor, for both, over their rounds only: /proc/stat counts in 10 ms
    // ticks, so rounds of a few milliseconds may have none (UnitsTest checks the sum over rounds)
    for (JsonNode o : new JsonNode[] {j, f}) {
      double steal = o.path("machineStealPct").asDouble(0);
      assertTrue(steal >= 0 && steal <= 100, r::toString);
    }
    assertEquals(j.get("medianLastMs").asDouble() / f.get("medianLastMs").asDouble(), j.get("floorMultiple").asDouble(),
        0.01 * j.get("floorMultiple").asDouble() + 0.001, r::toString);
    assertTrue(r.out().contains("machine floor: last "), r::toString);
    // the sender's JVM is gone
    assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count());
  }

  @Test
  void ceilingAgainstRedis(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(onPath("redis-server") && onPath("redis-benchmark"),
        "redis-server / redis-benchmark not on PATH");
    int port = freePort();
    String socket = dir.resolve("redis.sock").toString();
    Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--unixsocket", socket, "--save", "", "--appendonly", "no").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      waitForPort(port, 10_000);
      BenchRun r = BenchRun.of("ceiling", "--redis", "127.0.0.1:" + port, "--requests", "20000",
          "--concurrency", "4", "--pipeline", "2", "--payload-bytes", "64");
      assertEquals(0, r.exitCode(), r::toString);
      JsonNode j = r.json();
      assertEquals("ceiling", j.get("scenario").asText());
      assertTrue(j.get("publishPerSec").asDouble() > 0, r::toString);

      BenchRun overSocket = BenchRun.of("ceiling", "--redis", socket, "--requests", "20000",
          "--concurrency", "4", "--pipeline", "2", "--payload-bytes", "64");
      assertEquals(0, overSocket.exitCode(), overSocket::toString);
      assertEquals(socket, overSocket.json().get("redis").asText());
      assertTrue(overSocket.json().get("publishPerSec").asDouble() > 0, overSocket::toString);
      BenchRun noSocket = BenchRun.of("ceiling", "--redis", dir.resolve("none.sock").toString());
      assertEquals(BenchMain.EXIT_FAILED, noSocket.exitCode(), noSocket::toString);
      assertTrue(noSocket.err().contains("cannot connect to Redis at unix socket " + dir.resolve("none.sock")),
          noSocket::toString);

      BenchRun t = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", server.ingest(),
          "--clients", "10", "--pushers", "2", "--window", "2", "--duration", "500ms", "--warmup", "100ms",
          "--ceiling-redis", "127.0.0.1:" + port, "--ceiling-requests", "20000");
      assertEquals(0, t.exitCode(), t::toString);
      JsonNode tj = t.json();
      assertTrue(tj.get("ceiling").get("publishPerSec").asDouble() > 0, t::toString);
      assertEquals(2, tj.get("ceiling").get("concurrency").asInt());
      assertEquals(2, tj.get("ceiling").get("pipeline").asInt());
      assertTrue(tj.get("ceilingRatio").asDouble() > 0, t::toString);
    } finally {
      redis.destroy();
      if (!redis.waitFor(10, TimeUnit.SECONDS)) {
        redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void unreachableServerIsOneClearLine() throws IOException {
    int port = freePort();
    for (String scenario : new String[] {"throughput", "latency", "connections", "broadcast"}) {
      BenchRun r = "connections".equals(scenario)
          ? BenchRun.of(scenario, "--ws", "ws://127.0.0.1:" + port + "/", "--connect-timeout", "1s")
          : BenchRun.of(scenario, "--ws", "ws://127.0.0.1:" + port + "/", "--ingest", "127.0.0.1:" + port,
              "--connect-timeout", "1s");
      assertEquals(BenchMain.EXIT_FAILED, r.exitCode(), r::toString);
      assertTrue(r.jsonLines().isEmpty(), r::toString);
      String[] lines = r.err().strip().split("\\R");
      assertEquals(1, lines.length, r::toString);
      assertTrue(lines[0].startsWith("error: cannot connect to WebSocket port 127.0.0.1:" + port), r::toString);
    }
    BenchRun c = BenchRun.of("ceiling", "--redis", "127.0.0.1:" + port);
    assertEquals(BenchMain.EXIT_FAILED, c.exitCode(), c::toString);
    assertTrue(c.err().contains("127.0.0.1:" + port), c::toString);
  }

  @Test
  void unreachableIngestNamesTheIngestAddress() throws IOException {
    int port = freePort();
    BenchRun r = BenchRun.of("throughput", "--ws", server.wsUrl(), "--ingest", "127.0.0.1:" + port);
    assertEquals(BenchMain.EXIT_FAILED, r.exitCode(), r::toString);
    assertTrue(r.err().strip().startsWith("error: cannot connect to ingest port 127.0.0.1:" + port), r::toString);
  }

  @Test
  void helpDocumentsEveryScenario() {
    BenchRun top = BenchRun.of("--help");
    assertEquals(0, top.exitCode());
    for (String s : new String[] {"throughput", "latency", "connections", "broadcast", "ceiling"}) {
      assertTrue(top.out().contains(s), top::toString);
      BenchRun h = BenchRun.of(s, "--help");
      assertEquals(0, h.exitCode(), h::toString);
      assertTrue(h.out().contains("default:"), h::toString);
    }
    assertTrue(BenchRun.of("throughput", "--help").out().contains("--ceiling-redis"));
    assertTrue(BenchRun.of("connections", "--help").out().contains("--source-addresses"));
    assertFalse(BenchRun.of("connections", "--help").out().contains("--first-index"), "internal options stay hidden");
    assertEquals(BenchMain.EXIT_USAGE, BenchRun.of("throughput", "--duration", "soon").exitCode());
    assertEquals(BenchMain.EXIT_USAGE, BenchRun.of("nonsense").exitCode());
  }

  private static FakePushServer newServer() {
    try {
      return new FakePushServer();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static boolean onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, exe);
      if (f.isFile() && f.canExecute()) {
        return true;
      }
    }
    return false;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void waitForPort(int port, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("redis-server did not listen on " + port);
  }
}
