package io.pushline.all;

import io.pushline.testkit.JavaProcess;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin port of a real Pushline process: Prometheus metrics, liveness, and readiness that follows Redis. */
class AdminEndpointsIT {

    private static final String HOST = "127.0.0.1";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RedisServer redis;
    private JavaProcess pushline;
    private int admin;
    private int ws;
    private int ingest;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        pushline = JavaProcess.start(PushlineMain.class.getName(),
                List.of("--ws-host", HOST, "--ws-port", "0", "--ingest-port", "0", "--admin-port", "0"),
                Map.of("PUSHLINE_REDIS_URL", redis.uri(), "PUSHLINE_REDIS_PREFIX", "admin"));
        admin = port("pushline admin listening on [^:]+:(\\d+)");
        ws = port("listening for WebSockets on [^:]+:(\\d+)");
        ingest = port("listening for lines on [^:]+:(\\d+)");
    }

    private int port(String pattern) {
        Pattern p = Pattern.compile(pattern);
        Matcher m = p.matcher(pushline.awaitLine(p, Duration.ofSeconds(20)));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    @AfterEach
    void stop() {
        pushline.close();
        redis.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + admin + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String path) {
        try {
            return get(path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void metricsCountConnectionsAndPushesInPrometheusFormat() throws Exception {
        try (WsClient page = Pages.open(URI.create("ws://" + HOST + ":" + ws + "/"), "metered", HOST, ingest);
             LineClient php = LineClient.connect(HOST, ingest)) {
            String before = get("/metrics").body(); // the page's readiness probes are counted too: compare
            assertEquals("ok", php.push("{\"uid\":\"metered\"}"));
            assertEquals("fail", php.push("{\"uid\":\"nobody\"}"));
            assertEquals("fail", php.push("not json"));

            HttpResponse<String> metrics = get("/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
            String body = metrics.body();
            assertEquals(1.0, value(body, "pushline_ingest_lines_total{result=\"ok\"}") - value(before, "pushline_ingest_lines_total{result=\"ok\"}"));
            assertEquals(1.0, value(body, "pushline_ingest_lines_total{result=\"offline\"}") - value(before, "pushline_ingest_lines_total{result=\"offline\"}"));
            assertEquals(1.0, value(body, "pushline_ingest_refused_lines_total{reason=\"invalid_json\"}")
                    - value(before, "pushline_ingest_refused_lines_total{reason=\"invalid_json\"}"));
            for (String expected : List.of("pushline_gateway_connections 1.0", "pushline_gateway_online_uids 1.0",
                    "pushline_broker_healthy{service=\"gateway\"} 1.0", "pushline_redis_publish_circuit_open{service=\"ingest\"} 0.0",
                    "pushline_redis_presence_writes_queued{service=\"gateway\"} 0.0",
                    "pushline_redis_presence_refresh_seconds{service=\"gateway\"}", "pushline_redis_presence_refresh_overruns_total{service=\"gateway\"} 0.0",
                    "pushline_redis_uid_resyncs_total{service=\"gateway\"} 0.0", "pushline_redis_resyncs_total{service=\"gateway\"} 0.0",
                    "pushline_gateway_refused_connections_total{reason=\"origin\"}", "pushline_ingest_guard_refusals_total{reason=\"auth\"}",
                    "pushline_ingest_publish_latency_seconds_bucket", "pushline_gateway_delivery_latency_seconds_bucket", "jvm_memory_used_bytes", "process_files_open_files")) {
                assertTrue(body.contains(expected), expected + " missing from /metrics");
            }
        }
    }

    /** The value of one sample line of a Prometheus scrape. */
    private static double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " missing from /metrics");
    }

    @Test
    void readinessFollowsRedisWhileLivenessStaysUp() throws Exception {
        assertEquals(200, status("/health/live"));
        Awaitility.await("ready").atMost(Duration.ofSeconds(10)).until(() -> status("/health/ready") == 200);

        redis.kill();
        Awaitility.await("not ready while Redis is down").atMost(Duration.ofSeconds(10)).until(() -> status("/health/ready") == 503);
        assertTrue(get("/health/ready").body().contains("broker: "), "the answer names the failing check");
        assertEquals(200, status("/health/live"), "the process is alive: no restart needed");

        redis.restart();
        Awaitility.await("ready again").atMost(Duration.ofSeconds(15)).until(() -> status("/health/ready") == 200);
    }
}
