package io.pushline.all;

import io.pushline.testkit.JavaProcess;
import io.pushline.testkit.RedisServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long Redis outage under steady load (default 5 minutes, {@code -Dpushline.outage.seconds=N}): the process's
 * memory stays flat because nothing is queued for later, every line is still answered, and pushes work again
 * when Redis is back. Slow: skipped by {@code -Pquick}, run by CI.
 */
class OutageMemorySlowIT {

    private static final String HOST = "127.0.0.1";
    private static final long OUTAGE_SECONDS = Long.getLong("pushline.outage.seconds", 300);
    private static final int PUSHERS = 4;
    private static final int WINDOW = 64;
    /** Lines per second for all pushers together: load, not a CPU burn on two shared cores. */
    private static final int RATE = 4_000;
    private static final long MAX_RSS_GROWTH_KB = 48 * 1024;

    @Test
    void memoryStaysFlatThroughALongOutageUnderLoadAndPushesResumeAfterIt() throws Exception {
        try (RedisServer redis = RedisServer.start();
             JavaProcess pushline = JavaProcess.start(PushlineMain.class.getName(), List.of("-Xmx128m"),
                     List.of("--ws-host", HOST, "--ws-port", "0", "--ingest-port", "0", "--admin-port", "-1"),
                     Map.of("PUSHLINE_REDIS_URL", redis.uri(), "PUSHLINE_REDIS_PREFIX", "slow"))) {
            Matcher m = Pattern.compile("listening for lines on [^:]+:(\\d+)").matcher(
                    pushline.awaitLine(Pattern.compile("listening for lines on [^:]+:(\\d+)"), Duration.ofSeconds(20)));
            assertTrue(m.find());
            int ingestPort = Integer.parseInt(m.group(1));

            redis.kill();
            AtomicLong answered = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> pushers = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(OUTAGE_SECONDS).toNanos();
            for (int p = 0; p < PUSHERS; p++) {
                Thread t = new Thread(() -> push(ingestPort, end, answered), "pusher-" + p);
                t.setUncaughtExceptionHandler((th, e) -> failure.compareAndSet(null, e));
                t.start();
                pushers.add(t);
            }
            long baselineKb = 0;
            long maxKb = 0;
            long started = System.nanoTime();
            for (Thread t : pushers) {
                while (t.isAlive()) {
                    t.join(2_000);
                    long rss = rssKb(pushline.pid());
                    if (baselineKb == 0 && System.nanoTime() - started > Duration.ofSeconds(20).toNanos()) {
                        baselineKb = rss; // after warm-up: JIT, buffers and pools have reached their size
                    }
                    maxKb = Math.max(maxKb, rss);
                }
            }
            if (failure.get() != null) {
                throw new AssertionError("a pusher failed", failure.get());
            }
            long expected = (long) RATE * OUTAGE_SECONDS;
            assertTrue(answered.get() > expected / 2, "only " + answered.get() + " lines answered of about " + expected);
            assertTrue(maxKb - baselineKb < MAX_RSS_GROWTH_KB,
                    "RSS grew from " + baselineKb + " kB to " + maxKb + " kB during the outage");

            redis.restart();
            Awaitility.await("pushes work again").atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket s = new Socket(HOST, ingestPort)) {
                    s.getOutputStream().write("{\"broadcast\":true}\n".getBytes(StandardCharsets.UTF_8));
                    return s.getInputStream().read() >= 0; // answered (fail: no page is connected), not hung
                }
            });
            assertTrue(pushline.isAlive());
        }
    }

    /** Keeps WINDOW lines in flight, paced to this pusher's share of RATE, until {@code end}. */
    private static void push(int port, long end, AtomicLong answered) {
        byte[] line = "{\"uid\":\"someone\",\"pad\":\"0123456789012345678901234567890123456789\"}\n".getBytes(StandardCharsets.UTF_8);
        long intervalNanos = 1_000_000_000L * PUSHERS / RATE;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 2_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long next = System.nanoTime();
            int inFlight = 0;
            while (System.nanoTime() < end) {
                while (inFlight < WINDOW && System.nanoTime() >= next) {
                    out.write(line);
                    inFlight++;
                    next += intervalNanos;
                }
                out.flush();
                if (inFlight == 0) {
                    LockSupport.parkNanos(next - System.nanoTime()); // pacing the load, not waiting for a result
                    continue;
                }
                int b = in.read(); // every reply is "fail\n" during the outage; count lines by their newline
                if (b < 0) {
                    throw new IllegalStateException("the ingest closed the connection");
                }
                if (b == '\n') {
                    inFlight--;
                    answered.incrementAndGet();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("pusher failed", e);
        }
    }

    private static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
