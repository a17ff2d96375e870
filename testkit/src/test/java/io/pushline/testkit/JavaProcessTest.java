package io.pushline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Starts real child JVMs and kills, terminates or lets them exit. */
class JavaProcessTest {

    /** A JVM start takes well under a second, but CI machines have 2 cores shared with the build. */
    private static final Duration START = Duration.ofSeconds(30);

    @Test
    void awaitsReadyThenKillsPromptly() {
        try (JavaProcess child = JavaProcess.start(SleeperMain.class.getName(), List.of("a1", "a2"),
                Map.of("TESTKIT_GREETING", "hi"))) {
            assertEquals("ready hi a1 a2", child.awaitLine(Pattern.compile("^ready"), START));
            // Lines printed before the call match too (and stderr is captured, as UTF-8).
            assertEquals("to stderr ✓", child.awaitLine(Pattern.compile("stderr"), START));
            assertEquals("ready hi a1 a2", child.awaitLine(Pattern.compile("ready"), Duration.ZERO));

            long pid = child.pid();
            long before = System.nanoTime();
            child.kill();
            assertEquals(137, child.awaitExit(Duration.ofSeconds(5)), "128 + SIGKILL");
            assertTrue(Duration.ofNanos(System.nanoTime() - before).compareTo(Duration.ofSeconds(5)) < 0);
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertFalse(child.output().contains("shutdown hook ran"), "SIGKILL runs no hooks");
        }
    }

    @Test
    void freezeStopsTheChildUntilThawedAndAFrozenChildCanStillBeKilled() throws Exception {
        try (JavaProcess child = JavaProcess.start(SleeperMain.class.getName(), List.of(), Map.of())) {
            child.awaitLine(Pattern.compile("^ready"), START);

            child.freeze();
            assertTrue(reachesState(child.pid(), true), "stopped (state T in /proc)");
            child.thaw();
            assertTrue(reachesState(child.pid(), false), "running again");

            child.freeze();
            child.kill();
            assertEquals(137, child.awaitExit(Duration.ofSeconds(5)));
        }
    }

    /** Waits up to 5 s for the process to be stopped (state T in /proc/PID/stat), or not: signals land asynchronously. */
    private static boolean reachesState(long pid, boolean stopped) throws Exception {
        java.nio.file.Path stat = java.nio.file.Path.of("/proc", Long.toString(pid), "stat");
        for (long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos(); System.nanoTime() < deadline; ) {
            String s = java.nio.file.Files.readString(stat);
            if ((s.charAt(s.lastIndexOf(')') + 2) == 'T') == stopped) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    @Test
    void terminateRunsTheChildsShutdownHooks() {
        try (JavaProcess child = JavaProcess.start(SleeperMain.class.getName(), List.of(), Map.of())) {
            child.awaitLine(Pattern.compile("^ready"), START);
            child.terminate();
            assertEquals(143, child.awaitExit(Duration.ofSeconds(10)), "128 + SIGTERM");
            assertTrue(child.output().contains("shutdown hook ran"), child.output());
        }
    }

    @Test
    void reportsExitCodeAndFailsAtOnceWhenOutputEndedWithoutMatch() {
        try (JavaProcess child = JavaProcess.start(ExitMain.class.getName(), List.of("3"), Map.of())) {
            assertEquals(3, child.awaitExit(START));
            assertEquals("done", child.output());

            long before = System.nanoTime();
            AssertionError e = assertThrows(AssertionError.class,
                    () -> child.awaitLine(Pattern.compile("never printed"), Duration.ofSeconds(30)));
            assertTrue(Duration.ofNanos(System.nanoTime() - before).compareTo(Duration.ofSeconds(5)) < 0,
                    "must not wait for a process whose output is over");
            assertTrue(e.getMessage().contains("done"), "message shows the output tail: " + e.getMessage());
        }
    }

    @Test
    void awaitLineTimesOutWithTheOutputTail() {
        try (JavaProcess child = JavaProcess.start(SleeperMain.class.getName(), List.of(), Map.of())) {
            child.awaitLine(Pattern.compile("^ready"), START);
            AssertionError e = assertThrows(AssertionError.class,
                    () -> child.awaitLine(Pattern.compile("never printed"), Duration.ofMillis(200)));
            assertTrue(e.getMessage().contains("no line within"), e.getMessage());
            assertTrue(e.getMessage().contains("ready"), e.getMessage());
        }
    }

    @Test
    void awaitExitTimesOutWhileTheChildLives() {
        JavaProcess child = JavaProcess.start(SleeperMain.class.getName(), List.of(), Map.of());
        try {
            child.awaitLine(Pattern.compile("^ready"), START);
            assertThrows(AssertionError.class, () -> child.awaitExit(Duration.ofMillis(100)));
        } finally {
            child.close();
        }
        assertFalse(child.isAlive(), "close() kills");
    }
}
