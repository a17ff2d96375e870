package io.pushline.broker.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Runs a node's re-syncs of every uid it holds, one at a time. Before, every reconnect of every connection (two per
 * lane on a gateway) started one, each failed attempt started a retry chain of its own, and attempts started before
 * the last connection was back failed and retried beside the one that succeeded: one Redis restart started 7 to 11
 * re-syncs per node and re-wrote 20,000 uids' presence 40,896 times.
 *
 * <p>Now: a request while a re-sync runs starts nothing; the running one, when it ends, starts another only if the
 * node went stale meanwhile (a command failed, a connection dropped), after {@link #RETRY}. A re-sync starts only once
 * every connection is up: while one is down it could only fail, so the node waits, without counting a failure, for
 * that connection's reconnect (which requests a re-sync) and looks again every {@link #RETRY} in case the reconnect
 * was reported before the connection counted as open. A re-sync that fails while every connection is up is retried
 * after {@link #RETRY}, doubling per failure in a row up to {@link #MAX_RETRY}, so that nodes re-writing all their
 * uids do not keep an overloaded Redis overloaded. At most one retry waits at a time.
 */
final class ResyncRuns {

    private static final Logger log = LoggerFactory.getLogger(ResyncRuns.class);

    /** Delay before a re-sync after a failure, and between two looks at connections that are down. */
    static final Duration RETRY = Duration.ofMillis(250);
    /** The longest delay between re-sync attempts that fail while every connection is up. */
    static final Duration MAX_RETRY = Duration.ofSeconds(8);

    private final String owner;
    private final ScheduledExecutorService timer;
    private final Supplier<CompletableFuture<Void>> resync;
    private final BooleanSupplier mayRun;
    private final BooleanSupplier connected;
    private final BooleanSupplier stale;
    private final IntSupplier uids;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean retryPending = new AtomicBoolean();
    /** Re-syncs failed in a row while every connection was up. */
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();

    /**
     * @param owner     names the node in log lines
     * @param timer     runs the retries
     * @param resync    starts one re-sync; completes when Redis has confirmed all of it
     * @param mayRun    false once the node is closing
     * @param connected whether every connection of the node is up, so that a re-sync may succeed
     * @param stale     whether Redis may not match the node (it must re-sync); a re-sync clears it when it starts
     * @param uids      how many uids the node holds, for the log
     */
    ResyncRuns(String owner, ScheduledExecutorService timer, Supplier<CompletableFuture<Void>> resync, BooleanSupplier mayRun,
               BooleanSupplier connected, BooleanSupplier stale, IntSupplier uids) {
        this.owner = owner;
        this.timer = timer;
        this.resync = resync;
        this.mayRun = mayRun;
        this.connected = connected;
        this.stale = stale;
        this.uids = uids;
    }

    /**
     * Starts a re-sync now if none runs and every connection is up. Else nothing: the running one checks when it
     * ends whether the node went stale meanwhile, and a connection that is down requests one when it is back.
     */
    void request() {
        if (!mayRun.getAsBoolean() || !running.compareAndSet(false, true)) {
            return;
        }
        if (!connected.getAsBoolean()) {
            running.set(false);
            later(RETRY.toMillis()); // a look, not a failure: nothing is written while a connection is down
            return;
        }
        started.incrementAndGet();
        CompletableFuture<Void> run;
        try {
            run = resync.get();
        } catch (RuntimeException e) {
            run = CompletableFuture.failedFuture(e);
        }
        run.whenComplete((v, e) -> ended(e));
    }

    /** A re-sync {@link #RETRY} from now, unless one waits already or runs (which then sees the node stale and follows). */
    void requestSoon() {
        if (!running.get()) {
            later(RETRY.toMillis());
        }
    }

    private void ended(Throwable e) {
        running.set(false);
        if (e == null) {
            failures.set(0);
            log.info("{}: re-synced {} uids with Redis", owner, uids.getAsInt());
            if (stale.getAsBoolean()) {
                later(RETRY.toMillis()); // something failed, or a connection dropped, while it ran
            }
            return;
        }
        if (!connected.getAsBoolean()) {
            later(RETRY.toMillis()); // a connection dropped: its reconnect requests the next, no failure counted
            return;
        }
        int inARow = failures.incrementAndGet();
        long delay = delayMillis(inARow);
        if (Integer.bitCount(inARow) == 1) { // 1, 2, 4, 8, ... failures: a line per doubling, not per try
            log.warn("{}: re-sync of {} uids failed ({} in a row: {}); retrying every {} ms at most",
                    owner, uids.getAsInt(), inARow, e.getMessage(), delay);
        }
        later(delay);
    }

    /** One retry at a time; it re-syncs only if the node is still stale by then (a reconnect may have re-synced it). */
    private void later(long delayMillis) {
        if (!mayRun.getAsBoolean() || !retryPending.compareAndSet(false, true)) {
            return;
        }
        try {
            timer.schedule(() -> {
                retryPending.set(false);
                if (stale.getAsBoolean()) {
                    request();
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) { // the timer stops with the node
            retryPending.set(false);
        }
    }

    /** {@link #RETRY} doubled per failure in a row, at most {@link #MAX_RETRY}. */
    static long delayMillis(int failuresInARow) {
        int doublings = Math.min(Math.max(failuresInARow - 1, 0), 16);
        return Math.min(RETRY.toMillis() << doublings, MAX_RETRY.toMillis());
    }

    /** Whether a retry, or a look at connections that are down, is due. */
    boolean retryPending() {
        return retryPending.get();
    }

    /** Re-syncs started, retries included. */
    long started() {
        return started.get();
    }
}
