package io.pushline.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushline.bench.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The floor's sending process, as the generator runs it, and when the generator goes away. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FloorSenderTest {

  private static Process start(int clients) {
    return ChildJvm.start("64m", List.of("floor-sender", "--clients", String.valueOf(clients), "--threads", "2",
        "--payload-bytes", "64"));
  }

  @Test
  void writesTheFrameToEveryConnectionOnEachGo() throws Exception {
    Process p = start(3);
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      int port = Integer.parseInt(out.readLine().substring("port ".length()));
      Socket[] pages = new Socket[3];
      for (int i = 0; i < pages.length; i++) {
        pages[i] = new Socket(InetAddress.getLoopbackAddress(), port);
      }
      assertEquals("ready", out.readLine());
      byte[] expected = new byte[66];
      FanoutFloor.frame(64).get(expected);
      for (int round = 0; round < 2; round++) {
        p.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().flush();
        assertTrue(out.readLine().startsWith("wrote "));
        for (Socket page : pages) {
          byte[] got = page.getInputStream().readNBytes(66);
          assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(got, StandardCharsets.ISO_8859_1));
        }
      }
      p.getOutputStream().close();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the sender ends with its input");
      assertEquals(0, p.exitValue());
      for (Socket page : pages) {
        assertEquals(-1, page.getInputStream().read(), "and closes its connections");
        page.close();
      }
    } finally {
      ChildJvm.stopAll(List.of(p), 10_000);
    }
  }

  @Test
  void endsWhenTheGeneratorGoesAwayWhileItWaitsForConnections() throws Exception {
    Process p = start(1_000);
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      assertTrue(out.readLine().startsWith("port "));
      p.getOutputStream().close(); // as when the generator's JVM dies: its end of the pipe closes
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the sender still waited for 1,000 connections");
      assertEquals(0, p.exitValue());
    } finally {
      ChildJvm.stopAll(List.of(p), 10_000);
    }
  }
}
