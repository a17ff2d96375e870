package io.pushline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs a real redis-server (from PATH) and checks every operation the other modules' tests rely on. */
class RedisServerTest {

    @Test
    void startsOnLoopbackAndAnswersCommands() {
        try (RedisServer redis = RedisServer.start()) {
            assertEquals("127.0.0.1", redis.host());
            assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
            assertTrue(redis.isRunning());

            assertEquals("PONG", redis.command("PING"));
            assertEquals("OK", redis.command("SET", "k", "v"));
            assertEquals("v", redis.command("GET", "k"));
            assertNull(redis.command("GET", "missing"));
            assertEquals("2", redis.command("RPUSH", "list", "a", "b"));
            assertEquals("[a, b]", redis.command("LRANGE", "list", "0", "-1"));
            assertEquals("[v, null]", redis.command("MGET", "k", "missing"));
            assertEquals("OK", redis.command("SET", "utf8", "88% é ✓"));
            assertEquals("88% é ✓", redis.command("GET", "utf8"));
            // Nothing is persisted: the brief's --save "" really reached redis.
            assertEquals("[save, ]", redis.command("CONFIG", "GET", "save"));
        }
    }

    @Test
    void aHeldSubscriptionCountsAsAReceiverUntilClosed() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            java.io.Closeable subscriber = redis.subscribe("ch");
            assertEquals("1", redis.command("PUBLISH", "ch", "m"));
            subscriber.close();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
            String receivers;
            do {
                receivers = redis.command("PUBLISH", "ch", "m");
            } while (!"0".equals(receivers) && System.nanoTime() < deadline);
            assertEquals("0", receivers, "Redis drops the subscription when the connection closes");
        }
    }

    @Test
    void errorReplyFailsLoudly() {
        try (RedisServer redis = RedisServer.start()) {
            redis.command("SET", "k", "not a number");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> redis.command("INCR", "k"));
            assertTrue(e.getMessage().contains("ERR"), e.getMessage());
        }
    }

    @Test
    void restartKeepsThePortAndEmptiesTheData() {
        try (RedisServer redis = RedisServer.start()) {
            int port = redis.port();
            long pidBefore = pid(redis);
            redis.command("SET", "k", "v");

            redis.restart();

            assertEquals(port, redis.port());
            assertTrue(redis.isRunning());
            assertNotEquals(pidBefore, pid(redis));
            assertNull(redis.command("GET", "k"));
            assertFalse(isAlive(pidBefore));
        }
    }

    @Test
    void killMakesItStopRunningAndRestartBringsItBack() {
        try (RedisServer redis = RedisServer.start()) {
            long pid = pid(redis);

            redis.kill();

            assertFalse(redis.isRunning());
            assertFalse(isAlive(pid));
            assertThrows(UncheckedIOException.class, () -> redis.command("PING"));

            redis.restart();
            assertEquals("PONG", redis.command("PING"));
        }
    }

    @Test
    void stopShutsItDownCleanly() {
        try (RedisServer redis = RedisServer.start()) {
            long pid = pid(redis);
            redis.stop();
            assertFalse(redis.isRunning());
            assertFalse(isAlive(pid));
        }
    }

    @Test
    void closeStopsTheProcessAndDeletesItsFolder() {
        RedisServer redis = RedisServer.start();
        long pid = pid(redis);
        Path dir = redis.workDir();
        assertTrue(Files.isDirectory(dir));

        redis.close();

        assertFalse(redis.isRunning());
        assertFalse(isAlive(pid));
        assertFalse(Files.exists(dir));
        redis.close(); // idempotent
    }

    @Test
    void twoServersRunSideBySide() {
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start()) {
            assertNotEquals(a.port(), b.port());
            a.command("SET", "who", "a");
            assertNull(b.command("GET", "who"));
        }
    }

    /** The server's own pid, asked through the public API rather than a back door. */
    private static long pid(RedisServer redis) {
        Matcher m = Pattern.compile("process_id:(\\d+)").matcher(redis.command("INFO", "server"));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
