package io.pushline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pushline.bench.net.FrameScan;
import io.pushline.bench.net.PushLines;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void dataLineIsValidJsonOfTheRequestedSize() throws Exception {
    ByteBuf b = PushLines.data(ByteBufAllocator.DEFAULT, 17, 123, 987654321L, 96);
    try {
      String line = b.toString(StandardCharsets.US_ASCII);
      assertTrue(line.endsWith("\n"));
      String json = line.substring(0, line.length() - 1);
      assertEquals(96, json.length(), json);
      JsonNode n = Report.MAPPER.readTree(json);
      assertEquals("bench-17", n.get("uid").asText());
      assertEquals(123, n.get("seq").asLong());
      assertEquals(987654321L, n.get("t").asLong());
    } finally {
      b.release();
    }
  }

  @Test
  void tooSmallPayloadGivesTheUnpaddedLine() throws Exception {
    ByteBuf b = PushLines.data(ByteBufAllocator.DEFAULT, 0, 0, 0, 1);
    try {
      String json = b.toString(StandardCharsets.US_ASCII).trim();
      assertEquals(PushLines.unpaddedDataLength(0, 0, 0), json.length());
      assertEquals("{\"uid\":\"bench-0\",\"seq\":0,\"t\":0,\"pad\":\"\"}", json);
    } finally {
      b.release();
    }
  }

  @Test
  void probeAndBroadcastLines() throws Exception {
    ByteBuf p = PushLines.probe(ByteBufAllocator.DEFAULT, 42);
    ByteBuf b = PushLines.broadcast(ByteBufAllocator.DEFAULT, 3, 55, 64);
    try {
      assertEquals("{\"uid\":\"bench-42\",\"probe\":true}\n", p.toString(StandardCharsets.US_ASCII));
      String bl = b.toString(StandardCharsets.US_ASCII).trim();
      assertEquals(64, bl.length());
      JsonNode n = Report.MAPPER.readTree(bl);
      assertTrue(n.get("broadcast").asBoolean());
      assertEquals(3, n.get("round").asInt());
      assertTrue(!n.has("uid"));
    } finally {
      p.release();
      b.release();
    }
  }

  @Test
  void frameScanFindsFields() {
    FrameScan seq = new FrameScan("seq");
    FrameScan t = new FrameScan("t");
    assertEquals(123, seq.find(buf("{\"uid\":\"bench-1\",\"seq\":123,\"t\":9}")));
    assertEquals(9, t.find(buf("{\"uid\":\"bench-1\",\"seq\":123,\"t\":9}")));
    assertEquals(77, seq.find(buf("{ \"seq\" : 77 }")));
    assertEquals(-1, seq.find(buf("{\"uid\":\"bench-1\",\"probe\":true}")));
    assertEquals(-1, seq.find(buf("{\"seq\":\"x\"}")));
    assertEquals(-1, t.find(buf("{\"tt\":5}")));
  }

  @Test
  void durations() {
    assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
    assertEquals(Duration.ofSeconds(3), Durations.parse("3"));
    assertEquals(Duration.ofSeconds(7), Durations.parse("PT7S"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 parsecs"));
  }

  @Test
  void hostPort() {
    assertEquals(new HostPort("127.0.0.1", 5678), HostPort.parse("127.0.0.1:5678"));
    assertEquals(new HostPort("::1", 6379), HostPort.parse("[::1]:6379"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("localhost"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:99999"));
  }

  @Test
  void procMetricsOfThisProcess() {
    long pid = ProcessHandle.current().pid();
    assertTrue(ProcMetrics.rssBytes(pid) > 0);
    assertTrue(ProcMetrics.pidCpuNanos(pid) >= 0);
    assertTrue(ProcMetrics.selfCpuNanos() > 0);
    assertEquals(-1, ProcMetrics.rssBytes(Integer.MAX_VALUE));
    assertEquals(50.0, ProcMetrics.cpuPercent(0, 500, 1000));
  }

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void aThreadSetsItsOwnTimerSlack() throws Exception {
    Assumptions.assumeTrue(TimerSlack.current() > 0, "no /proc/thread-self/timerslack_ns here");
    long[] seen = new long[3];
    Thread t = new Thread(() -> {
      seen[0] = TimerSlack.set(1);
      seen[1] = TimerSlack.set(0); // 0 leaves it: the kernel would read it as "back to the default"
      seen[2] = TimerSlack.set(20_000);
    });
    t.start();
    t.join();
    assertEquals(1, seen[0]);
    assertEquals(1, seen[1]);
    assertEquals(20_000, seen[2]);
    assertTrue(TimerSlack.current() != 1, "another thread's setting leaked into this one");
    assertThrows(IllegalArgumentException.class, () -> TimerSlack.set(-1));
  }

  @Test
  void machineTicksOfSeveralIntervalsAddUpWithoutThePausesBetween() {
    ProcMetrics.MachineTicks sum = ProcMetrics.MachineTicks.NONE
        .plus(new ProcMetrics.MachineTicks(100, 500, 1), new ProcMetrics.MachineTicks(130, 510, 1))
        // a pause of 1,000 idle ticks between the two, left out
        .plus(new ProcMetrics.MachineTicks(140, 1_510, 1), new ProcMetrics.MachineTicks(160, 1_520, 11));
    assertEquals(new ProcMetrics.MachineTicks(50, 20, 10), sum);
    double[] shares = ProcMetrics.MachineTicks.sharesBetween(ProcMetrics.MachineTicks.NONE, sum);
    assertEquals(62.5, shares[0], 1e-9); // 50 busy of 50 + 20 idle + 10 stolen
    assertEquals(12.5, shares[1], 1e-9);
    assertEquals(null, ProcMetrics.MachineTicks.NONE.plus(null, sum), "a reading missing");
  }

  @Test
  void machineSharesAreOfAllCoresTimeWithStealApart() {
    ProcMetrics.MachineTicks before = new ProcMetrics.MachineTicks(1_000, 5_000, 10);
    ProcMetrics.MachineTicks after = new ProcMetrics.MachineTicks(1_050, 5_030, 30);
    double[] shares = ProcMetrics.MachineTicks.sharesBetween(before, after);
    assertEquals(50.0, shares[0], 1e-9); // 50 busy of 50 + 30 idle + 20 stolen
    assertEquals(20.0, shares[1], 1e-9);
    assertEquals(null, ProcMetrics.MachineTicks.sharesBetween(before, before), "no tick passed");
    assertEquals(null, ProcMetrics.MachineTicks.sharesBetween(null, after));
    Report noisy = new Report("latency");
    noisy.machineCpu(before, after);
    assertEquals(20.0, noisy.json().get("machineStealPct").asDouble(), noisy::jsonLine);
    assertTrue(noisy.lines().stream().anyMatch(l -> l.contains("WARNING: the hypervisor took 20.0%")), noisy.lines()::toString);
    Report quiet = new Report("latency");
    quiet.machineCpu(before, new ProcMetrics.MachineTicks(1_050, 5_030, 10));
    assertEquals(0.0, quiet.json().get("machineStealPct").asDouble(), quiet::jsonLine);
    assertTrue(quiet.lines().stream().noneMatch(l -> l.contains("WARNING")), quiet.lines()::toString);
    ProcMetrics.MachineTicks now = ProcMetrics.MachineTicks.now();
    Assumptions.assumeTrue(now != null, "no /proc/stat here");
    assertTrue(now.busy() > 0 && now.idle() > 0 && now.steal() >= 0, now::toString);
  }

  @Test
  void theBusiestThreadIsTheOneThatSpun() throws InterruptedException {
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    Thread spinner = new Thread(() -> {
      try {
        go.await();
      } catch (InterruptedException e) {
        return;
      }
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
      long until = mx.getCurrentThreadCpuTime() + 200_000_000L; // 200 ms of its own CPU, however long that takes
      long x = 0;
      while (mx.getCurrentThreadCpuTime() < until) {
        x += Long.numberOfTrailingZeros(x + 1);
      }
      Thread.currentThread().setName("spinner-" + (x & 1)); // keeps x alive; the name stays "spinner-"...
    }, "spinner");
    spinner.start();
    // both samples while it is alive: a thread must be in both to count
    ProcMetrics.ThreadCpu before = ProcMetrics.ThreadCpu.now();
    Assumptions.assumeTrue(before != null, "this JVM does not measure thread CPU time");
    long wall0 = System.nanoTime();
    go.countDown();
    ProcMetrics.ThreadCpu after = null;
    while (spinner.isAlive()) {
      after = ProcMetrics.ThreadCpu.now();
      spinner.join(20);
    }
    Assumptions.assumeTrue(after != null, "the spinner ended before it could be sampled");
    long wall = System.nanoTime() - wall0;
    ProcMetrics.ThreadCpu.Busiest busiest = ProcMetrics.ThreadCpu.busiestBetween(before, after, wall);
    assertTrue(busiest.thread().startsWith("spinner"), busiest::toString);
    assertTrue(busiest.pct() > 0 && busiest.pct() <= 100.0 + 1e-6, busiest::toString);

    Report saturated = new Report("throughput");
    ProcMetrics.ThreadCpu t0 = new ProcMetrics.ThreadCpu(java.util.Map.of(1L, 0L, 2L, 0L),
        java.util.Map.of(1L, "bench-client-1-1", 2L, "bench-pusher-2-1"));
    ProcMetrics.ThreadCpu t1 = new ProcMetrics.ThreadCpu(java.util.Map.of(1L, 950_000_000L, 2L, 100_000_000L),
        t0.names());
    saturated.busiestThread(t0, t1, 1_000_000_000L);
    assertEquals("bench-client-1-1", saturated.json().get("generatorBusiestThread").asText(), saturated::jsonLine);
    assertEquals(95.0, saturated.json().get("generatorBusiestThreadPct").asDouble(), 1e-9);
    assertTrue(saturated.lines().stream().anyMatch(l -> l.contains("WARNING: the generator's thread bench-client-1-1")),
        saturated.lines()::toString);
    Report calm = new Report("throughput");
    calm.busiestThread(t0, new ProcMetrics.ThreadCpu(java.util.Map.of(1L, 500_000_000L, 2L, 0L), t0.names()),
        1_000_000_000L);
    assertTrue(calm.lines().stream().noneMatch(l -> l.contains("WARNING")), calm.lines()::toString);
  }
}
