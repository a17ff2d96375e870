package io.pushline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.pushline.testkit.FreePort;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RawWebSocket;
import io.pushline.testkit.WsClient;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed rebuilt as a yardstick ({@code seed/push.php}), in a real {@code php} process: it keeps the contract
 * Pushline keeps, and the bench measures it as it measures Pushline. Skipped when {@code php} is not on {@code PATH},
 * unless {@code PUSHLINE_REQUIRE_PHP=1} (as in CI) makes that a failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeedPushTest {

  private static final String HOST = "127.0.0.1";
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String REQUIRE_PHP = "PUSHLINE_REQUIRE_PHP";

  private static Process seed;
  private static int wsPort;
  private static int textPort;

  @BeforeAll
  static void startSeed() throws Exception {
    if (!phpOnPath()) {
      String why = "php is not on PATH (on Debian: apt-get install php-cli)";
      if ("1".equals(System.getenv(REQUIRE_PHP))) {
        fail(why + ", and " + REQUIRE_PHP + "=1 requires the PHP tests to run");
      }
      Assumptions.assumeTrue(false, why + ": skipping the seed's tests");
    }
    wsPort = FreePort.find();
    textPort = FreePort.find();
    Path script = Path.of("seed", "push.php").toAbsolutePath();
    assertTrue(Files.isRegularFile(script), "the seed's script is at " + script);
    seed = new ProcessBuilder("php", "-d", "display_errors=stderr", script.toString(), "--host", HOST,
        "--ws-port", Integer.toString(wsPort), "--text-port", Integer.toString(textPort))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(seed.getInputStream(), StandardCharsets.UTF_8));
    String first = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return "cannot read the seed's output: " + e;
      }
    }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals("seed: pages on ws://" + HOST + ":" + wsPort + "/, lines on " + HOST + ":" + textPort, first);
  }

  @AfterAll
  static void stopSeed() throws InterruptedException {
    if (seed != null) {
      seed.destroy();
      if (!seed.waitFor(5, TimeUnit.SECONDS)) {
        seed.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void aLineReachesItsPageByteForByteAndIsAnsweredOkOrFail() {
    try (WsClient page = WsClient.connect(URI.create("ws://" + HOST + ":" + wsPort + "/"));
        WsClient byQuery = WsClient.connect(URI.create("ws://" + HOST + ":" + wsPort + "/?uid=seed-query"));
        LineClient backend = LineClient.connect(HOST, textPort)) {
      page.send("seed-uid1");
      String line = "{\"uid\":\"seed-uid1\",\"percent\":\"88%\"}";
      awaitReply(backend, line, "ok");
      assertEquals(line, page.awaitMessage(WAIT));

      assertEquals("fail", backend.push("{\"uid\":\"seed-nobody\",\"percent\":\"1%\"}"));
      assertEquals("fail", backend.push("not json"), "a line without a uid is not delivered");
      String queried = "{\"uid\":\"seed-query\",\"n\":1}";
      assertEquals("ok", backend.push(queried), "?uid= names the page too");
      assertEquals(queried, byQuery.awaitMessage(WAIT));
    }
  }

  @Test
  void aClosedPageGivesItsUidUp() {
    try (LineClient backend = LineClient.connect(HOST, textPort)) {
      String line = "{\"uid\":\"seed-leaving\"}";
      try (WsClient page = WsClient.connect(URI.create("ws://" + HOST + ":" + wsPort + "/"))) {
        page.send("seed-leaving");
        awaitReply(backend, line, "ok");
      }
      awaitReply(backend, line, "fail");
    }
  }

  @Test
  void aPingIsAnsweredAndAnUnmaskedFrameClosesThePage() {
    try (RawWebSocket page = RawWebSocket.connect(HOST, wsPort, "/")) {
      page.sendFrame(RawWebSocket.PING, "p1".getBytes(StandardCharsets.UTF_8), true);
      RawWebSocket.Frame pong = page.readFrame(WAIT);
      assertEquals(RawWebSocket.PONG, pong.opcode());
      assertEquals("p1", pong.text());

      page.sendFrame(RawWebSocket.TEXT, "seed-unmasked".getBytes(StandardCharsets.UTF_8), false);
      assertEquals(1002, page.awaitCloseCode(WAIT), "RFC 6455 5.1: a server closes on an unmasked client frame");
    }
  }

  @Test
  void theBenchMeasuresItClosedLoopPipelinedAndAConnectionPerPush() {
    for (List<String> mode : List.of(List.of("--window", "1"), List.of("--window", "16"),
        List.of("--connect-per-push"))) {
      List<String> args = new ArrayList<>(List.of("throughput", "--ws", "ws://" + HOST + ":" + wsPort + "/",
          "--ingest", HOST + ":" + textPort, "--clients", "50", "--pushers", "4", "--duration", "1s",
          "--warmup", "300ms", "--server-pid", Long.toString(seed.pid()), "--json-only"));
      args.addAll(mode);
      BenchRun r = BenchRun.of(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r::toString);
      JsonNode j = r.json();
      assertTrue(j.get("acks").asLong() > 0, r::toString);
      assertEquals(0, j.get("fails").asLong(), r::toString);
      assertEquals(0, j.get("lost").asLong(), r::toString);
      assertEquals(0, j.get("misrouted").asLong(), r::toString);
      assertEquals(j.get("sent").asLong(), j.get("delivered").asLong(), r::toString);
      assertTrue(j.get("serverCpuPct").asDouble() > 0, "the php process's CPU is measured: " + r);
    }
  }

  /** Pushes {@code line} until the reply is {@code expected}: a page's uid frame and its close arrive on their own. */
  private static void awaitReply(LineClient backend, String line, String expected) {
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
        .until(() -> backend.push(line), expected::equals);
  }

  private static boolean phpOnPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "php"))) {
        return true;
      }
    }
    return false;
  }
}
