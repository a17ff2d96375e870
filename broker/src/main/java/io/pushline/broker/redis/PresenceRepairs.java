package io.pushline.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * The uids whose presence write failed while Redis still answered (a command timed out, or Redis refused it, such as
 * {@code OOM} at its memory limit), each written again on its own, a little later. Before, any such failure made the
 * node re-sync every uid it held, and report itself unhealthy until that was done: on a loaded machine one join
 * timing out in a connect storm re-wrote 19,500 uids, adding load where load was the problem, and took the node out
 * of its load balancer's rotation.
 *
 * <p>A repair writes what the node holds <em>now</em>, not what failed: the join of a uid the node still holds
 * under the same hold, the leave of a uid it no longer holds. A uid that left, or joined again, since its write
 * failed has had a later write of its own, which decides. Both writes set a state, so writing one twice (a timed
 * out command may still run later in Redis) is harmless, and a uid's writes stay in order on its lane.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} uids wait, each tried at most {@link #ATTEMPTS} times, the first
 * {@link #FIRST_DELAY_MS} ms after its failure and twice as long after each failed attempt. Past either bound, or
 * while the node must re-sync anyway (a lost connection), the failure goes back to the node, which re-syncs
 * everything as it did before: a failure that repeats is no longer one command's bad luck.
 */
final class PresenceRepairs {

    private static final Logger log = LoggerFactory.getLogger(PresenceRepairs.class);

    static final int MAX_PENDING = 1024;
    static final int ATTEMPTS = 3;
    static final long FIRST_DELAY_MS = 250;
    /** The generation of a leave's repair: the uid must not be held at all. */
    static final long LEFT = 0;
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Takes back a failure that is not repaired here; the node re-syncs. */
    interface GiveUp {
        void failed(String uid, long generation, Throwable error);
    }

    private final String owner;
    private final ScheduledExecutorService timer;
    private final BiFunction<String, Long, CompletableFuture<?>> rewrite;
    private final BooleanSupplier mayRun;
    private final GiveUp giveUp;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean roundScheduled = new AtomicBoolean();
    private final AtomicLong repaired = new AtomicLong();
    private volatile long loggedNanos = System.nanoTime() - LOG_EVERY_NANOS;

    private static final class Pending {
        final long generation;
        final int attempts;
        final Throwable firstError;
        final CompletableFuture<Void> done;

        Pending(long generation, int attempts, Throwable firstError, CompletableFuture<Void> done) {
            this.generation = generation;
            this.attempts = attempts;
            this.firstError = firstError;
            this.done = done;
        }
    }

    /**
     * @param owner   names the node in log lines
     * @param timer   runs the repairs
     * @param mayRun  false while the node re-syncs or must (a re-sync writes every uid) or is closing
     * @param rewrite writes a uid's presence as the node holds it now: joined if it holds the uid under the given
     *                generation, left if that is {@link #LEFT} and it holds the uid not at all; returns the write, or
     *                {@code null} when a later transition of the uid decides and nothing is to be written
     * @param giveUp  takes back a failure that is not repaired here
     */
    PresenceRepairs(String owner, ScheduledExecutorService timer, BooleanSupplier mayRun,
                    BiFunction<String, Long, CompletableFuture<?>> rewrite, GiveUp giveUp) {
        this.owner = owner;
        this.timer = timer;
        this.mayRun = mayRun;
        this.rewrite = rewrite;
        this.giveUp = giveUp;
    }

    /** Whether a write that failed with {@code error} may be tried again alone: Redis answered, or was only slow. */
    static boolean repairable(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RedisCommandTimeoutException || cause instanceof RedisCommandExecutionException;
    }

    /**
     * Takes a failed presence write of {@code uid}, to be written again later.
     *
     * @return completes when a repair has written the uid's presence (or a later transition decided instead);
     *         exceptionally when the failure went back to the node. {@code null} when not taken: the error is not
     *         {@link #repairable}, the node may not repair now, or too many uids wait; the caller then re-syncs.
     */
    CompletableFuture<Void> offer(String uid, long generation, Throwable error) {
        if (!repairable(error) || !mayRun.getAsBoolean()) {
            return null;
        }
        Pending taken = pending.compute(uid, (u, waiting) -> {
            if (waiting != null) {
                return new Pending(generation, waiting.attempts, waiting.firstError, waiting.done); // the latest decision wins
            }
            return pending.size() >= MAX_PENDING ? null : new Pending(generation, 0, unwrap(error), new CompletableFuture<>());
        });
        if (taken == null) {
            return null;
        }
        scheduleRound(taken.attempts);
        return taken.done;
    }

    private void scheduleRound(int attempts) {
        if (roundScheduled.compareAndSet(false, true)) {
            long delay = FIRST_DELAY_MS << Math.min(attempts, 10);
            try {
                timer.schedule(this::round, delay, TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) { // the timer is shutting down with the node
                roundScheduled.set(false);
                dropAll(rejected);
            }
        }
    }

    /** Writes every waiting uid again, or hands them all back when the node may not repair now. */
    private void round() {
        roundScheduled.set(false);
        List<Map.Entry<String, Pending>> due = new ArrayList<>(pending.entrySet());
        if (due.isEmpty()) {
            return;
        }
        if (!mayRun.getAsBoolean()) {
            dropAll(null);
            return;
        }
        int written = 0;
        for (Map.Entry<String, Pending> entry : due) {
            String uid = entry.getKey();
            Pending p = entry.getValue();
            if (!pending.remove(uid, p)) {
                continue; // a newer failure replaced it; written by the next round
            }
            CompletableFuture<?> write;
            try {
                write = rewrite.apply(uid, p.generation);
            } catch (RuntimeException e) {
                write = CompletableFuture.failedFuture(e);
            }
            if (write == null) {
                p.done.complete(null);
                continue;
            }
            written++;
            write.whenComplete((v, e) -> answered(uid, p, e));
        }
        long now = System.nanoTime();
        if (written > 0 && now - loggedNanos >= LOG_EVERY_NANOS) { // a line a minute at most; the meters count all
            loggedNanos = now;
            log.warn("{}: writing the presence of {} uids again, whose writes failed while Redis answered (first: {}); "
                    + "{} uids repaired so far", owner, written, due.get(0).getValue().firstError.toString(), repaired.get());
        }
    }

    private void answered(String uid, Pending p, Throwable error) {
        if (error == null) {
            repaired.incrementAndGet();
            p.done.complete(null);
            return;
        }
        int attempts = p.attempts + 1;
        if (attempts < ATTEMPTS && repairable(error) && mayRun.getAsBoolean()) {
            Pending again = new Pending(p.generation, attempts, p.firstError, p.done);
            Pending newer = pending.putIfAbsent(uid, again);
            if (newer != null) { // a later write of the uid failed meanwhile: its repair decides, and answers for this one
                newer.done.whenComplete((v, e) -> complete(p.done, e));
            }
            scheduleRound(attempts);
            return;
        }
        log.warn("{}: presence write of uid {} failed {} times ({}); re-syncing every uid", owner, uid, attempts, unwrap(error).toString());
        handBack(uid, p, error);
    }

    /** Hands back every waiting uid, with {@code reason} or, if null, each one's own first failure. */
    void dropAll(Throwable reason) {
        for (Map.Entry<String, Pending> entry : new ArrayList<>(pending.entrySet())) {
            if (pending.remove(entry.getKey(), entry.getValue())) {
                handBack(entry.getKey(), entry.getValue(), reason != null ? reason : entry.getValue().firstError);
            }
        }
    }

    private void handBack(String uid, Pending p, Throwable error) {
        try {
            giveUp.failed(uid, p.generation, error);
        } finally {
            p.done.completeExceptionally(error);
        }
    }

    private static void complete(CompletableFuture<Void> done, Throwable error) {
        if (error == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(error);
        }
    }

    /** Uids waiting for a repair; for metrics and tests. */
    int pending() {
        return pending.size();
    }

    /** Presence writes that succeeded on a repair; for metrics. */
    long repaired() {
        return repaired.get();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
