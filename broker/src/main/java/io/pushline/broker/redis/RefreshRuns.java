package io.pushline.broker.redis;

import io.pushline.common.log.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs a node's presence refresh on each tick of its period, one at a time. A tick that comes while a refresh is
 * still running does not start a second one beside it; it makes the next one start as soon as the running one ends,
 * rather than a period later. Skipped instead, a page that joined just after a refresh took its list of uids waited
 * two periods plus the length of a refresh for its first touch, and its entry lapsed (a push to it answered
 * {@code fail}) as soon as refreshes took longer than its period: 4.2 s for 69,536 uids on a loaded 2-core machine,
 * against a 3 s period. Back to back, an entry waits at most about two refreshes.
 */
final class RefreshRuns {

    private static final Logger log = LoggerFactory.getLogger(RefreshRuns.class);

    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    /** Running, and a tick came meanwhile: the next refresh starts when this one ends. */
    private static final int OVERDUE = 2;

    private final String owner;
    private final Duration period;
    private final Duration ttl;
    private final Supplier<Started> refresh;
    private final BooleanSupplier mayRun;
    private final Executor restarts;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final AtomicLong overruns = new AtomicLong();
    private volatile long startedNanos;
    private volatile int startedUids;
    private volatile long lastNanos;
    private final LogThrottle overrunLog = new LogThrottle(Duration.ofMinutes(1));

    /** A refresh under way: how many uids it vouches for, and when Redis has answered for all of them. */
    record Started(int uids, CompletableFuture<?> answered) {
    }

    /**
     * @param owner   names the node in log lines
     * @param refresh starts one refresh
     * @param mayRun  whether a refresh that was due may start once the running one has ended (false once the node
     *                is closing or withdrawn; a node waiting to re-sync still refreshes, keeping alive only what it
     *                still delivers)
     * @param restarts where an overdue refresh starts: the timer's thread, not the event loop that read Redis's
     *                 last answer (a refresh copies the list of every uid held)
     */
    RefreshRuns(String owner, Duration period, Duration ttl, Supplier<Started> refresh, BooleanSupplier mayRun, Executor restarts) {
        this.owner = owner;
        this.period = period;
        this.ttl = ttl;
        this.refresh = refresh;
        this.mayRun = mayRun;
        this.restarts = restarts;
    }

    /** A tick of the period: starts a refresh, or marks the running one overdue. */
    void tick() {
        if (state.compareAndSet(IDLE, RUNNING)) {
            start();
            return;
        }
        if (state.getAndSet(OVERDUE) == IDLE) { // it ended between the two looks
            state.set(RUNNING);
            start();
            return;
        }
        overruns.incrementAndGet();
        if (overrunLog.allow()) {
            log.warn("{}: the presence refresh of {} uids is still running at its next tick, {} ms after it started "
                    + "(period {} ms; Redis or this node is slow; {} overruns so far); the next one starts as soon as it "
                    + "ends. An entry lapses, and pushes to its uid answer fail, when refreshes take longer than half "
                    + "the presence TTL ({} ms)",
                    owner, startedUids, (System.nanoTime() - startedNanos) / 1_000_000, period.toMillis(), overruns.get(), ttl.toMillis() / 2);
        }
    }

    private void start() {
        long started = System.nanoTime();
        startedNanos = started;
        CompletableFuture<?> answered;
        try {
            Started run = refresh.get();
            startedUids = run.uids();
            answered = run.answered();
        } catch (RuntimeException e) {
            answered = CompletableFuture.failedFuture(e);
        }
        answered.whenComplete((v, e) -> {
            lastNanos = System.nanoTime() - started;
            if (state.compareAndSet(RUNNING, IDLE)) {
                return;
            }
            // Overdue: a tick came while it ran. A failed refresh has marked the node for a re-sync, which writes
            // presence itself; the next tick refreshes what the node still delivers meanwhile.
            if (e != null || !mayRun.getAsBoolean()) {
                state.set(IDLE);
                return;
            }
            state.set(RUNNING);
            try {
                restarts.execute(() -> {
                    if (mayRun.getAsBoolean()) {
                        start();
                    } else {
                        state.set(IDLE); // the node closed or lost Redis while the restart waited for the timer
                    }
                });
            } catch (RejectedExecutionException stopping) { // the timer stops with the client
                state.set(IDLE);
            }
        });
    }

    /** Ticks that found the previous refresh still running. */
    long overruns() {
        return overruns.get();
    }

    /** How long the last refresh took to be answered in full, in nanoseconds (0 before the first). */
    long lastNanos() {
        return lastNanos;
    }

    boolean running() {
        return state.get() != IDLE;
    }
}
