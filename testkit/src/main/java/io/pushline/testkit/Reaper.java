package io.pushline.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One JVM shutdown hook that runs the emergency clean-ups of everything the testkit started and did not close,
 * so that an aborted test run leaves no redis-server or child JVM behind.
 *
 * <p>A single hook (rather than one per object) because hooks cannot be removed once shutdown has begun, and many
 * short-lived hooks would pile up in long test runs.
 */
final class Reaper {

    private static final Set<Runnable> CLEANUPS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Reaper::runAll, "pushline-testkit-reaper"));
    }

    private Reaper() {
    }

    /** Registers a clean-up that must be quick and must not block (for example destroyForcibly, not waitFor). */
    static void register(Runnable cleanup) {
        CLEANUPS.add(cleanup);
    }

    /** Forgets a clean-up once its owner has closed normally. */
    static void unregister(Runnable cleanup) {
        CLEANUPS.remove(cleanup);
    }

    private static void runAll() {
        for (Runnable cleanup : CLEANUPS) {
            try {
                cleanup.run();
            } catch (RuntimeException e) {
                // Keep going: one failed clean-up must not leave the other processes running.
                System.err.println("pushline-testkit: clean-up failed at shutdown: " + e);
            }
        }
    }
}
