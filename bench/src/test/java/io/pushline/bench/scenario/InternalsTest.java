package io.pushline.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushline.bench.Report;
import java.net.InetAddress;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class InternalsTest {

  @Test
  void trackerFindsLostDuplicateAndUnexpected() {
    DeliveryTracker t = new DeliveryTracker();
    long n = 3_000_000; // spans several chunks
    for (long s = 0; s < n; s++) {
      t.acked(s);
      if (s % 1000 != 7) {
        assertTrue(t.delivered(s));
      }
    }
    assertFalse(t.delivered(8)); // duplicate
    t.delivered(n + 5); // delivered, never acked
    assertEquals(n / 1000, t.lost(n + 10));
    assertEquals(1, t.duplicates());
    assertEquals(1, t.unexpected(n + 10));
    assertFalse(t.caughtUp() && t.lost(n + 10) == 0);
  }

  @Test
  void theFloorsFrameIsTheTextFrameAServerSends() {
    assertEquals(66, FanoutFloor.frameBytes(64));
    assertEquals(127, FanoutFloor.frameBytes(125));
    assertEquals(130, FanoutFloor.frameBytes(126), "16-bit length from 126 bytes");
    assertEquals(65_539, FanoutFloor.frameBytes(65_535));
    assertEquals(65_546, FanoutFloor.frameBytes(65_536), "64-bit length from 65,536 bytes");
    java.nio.ByteBuffer f = FanoutFloor.frame(300);
    assertEquals(304, f.remaining());
    assertEquals((byte) 0x81, f.get(0), "FIN, text");
    assertEquals(126, f.get(1), "unmasked, 16-bit length");
    assertEquals(300, f.getShort(2));
    byte[] text = new byte[300];
    f.get(4, text);
    String line = new String(text, java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(line.startsWith("{\"broadcast\":true,\"round\":0,") && line.endsWith("\"}"),
        "the broadcast line of round 0, without its newline: " + line);
    java.nio.ByteBuffer small = FanoutFloor.frame(64);
    assertEquals(66, small.remaining(), "the frame a server sends for the bench's default 64-byte line");
    assertEquals(64, small.get(1));
  }

  @Test
  void seqBitsLimitIsExclusive() {
    SeqBits a = new SeqBits();
    SeqBits b = new SeqBits();
    a.set(63);
    a.set(64);
    a.set(65);
    assertEquals(1, a.countAndNot(b, 64));
    assertEquals(2, a.countAndNot(b, 65));
    assertEquals(3, a.countAndNot(b, 1000));
    assertTrue(a.get(64));
    assertFalse(a.get(62));
  }

  @Test
  void autoSourceAddresses() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    int cap = SourceAddresses.perAddressCapacity();
    assertTrue(cap >= 1000 && cap <= SourceAddresses.MAX_PER_ADDRESS);
    assertEquals(List.of(), SourceAddresses.resolve("auto", 19_000 > cap ? cap : 19_000, lo));
    List<InetAddress> two = SourceAddresses.resolve("auto", cap + 1, lo);
    assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")), two);
    assertEquals(List.of(), SourceAddresses.resolve("auto", cap * 3, InetAddress.getByName("10.1.2.3")));
    assertEquals(2, SourceAddresses.resolve("127.0.0.5, 127.0.0.6", 10, lo).size());
  }

  @Test
  void redisBenchmarkCsv() {
    String out = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\","
        + "\"p99_latency_ms\",\"max_latency_ms\"\n"
        + "\"PUBLISH bench-ceiling xxxxxxxx\",\"48661.80\",\"0.059\",\"0.016\",\"0.039\",\"0.095\",\"0.119\",\"24.735\"\n";
    RedisCeiling.Result r = RedisCeiling.parseCsv(out, List.of());
    assertEquals(48661.80, r.requestsPerSecond(), 1e-9);
    assertEquals(0.039, r.p50LatencyMs(), 1e-9);
    assertEquals(0.119, r.p99LatencyMs(), 1e-9);
  }

  @Test
  void histogramTravelsBetweenProcesses() {
    Histogram h = Report.newNanosHistogram();
    for (int i = 1; i <= 1000; i++) {
      Report.record(h, i * 10_000L);
    }
    Histogram back = ConnectionsCommand.decode(ConnectionsCommand.encode(h));
    assertEquals(h.getTotalCount(), back.getTotalCount());
    assertEquals(h.getValueAtPercentile(99), back.getValueAtPercentile(99));
  }

  @Test
  void median() {
    assertEquals(2.0, BroadcastCommand.median(new double[] {3, 1, 2}));
    assertEquals(2.5, BroadcastCommand.median(new double[] {4, 1, 2, 3}));
    assertEquals(-1, BroadcastCommand.median(new double[0]));
  }
}
