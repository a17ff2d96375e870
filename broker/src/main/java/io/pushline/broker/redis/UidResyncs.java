package io.pushline.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.pushline.common.log.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The uids one of whose commands failed while Redis still answered (a command timed out, or Redis refused it, such
 * as {@code OOM} at its memory limit), each re-synced on its own a little later: its subscriptions and presence
 * written again as the node holds the uid then. Before, any such failure made the node re-sync every uid it held and
 * report itself not ready until that was done: on a loaded machine one join timing out in a connect storm re-wrote
 * 19,500 uids, adding load where load was the problem, and took the node out of its load balancer's rotation.
 *
 * <p>The commands set a state (subscribed or not, vouched for or not), so writing one twice (a timed out command may
 * still run later in Redis) is harmless, and each of a uid's commands goes over a connection that keeps the node's
 * order: whatever the uid does after its re-sync is written after it.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} uids wait, each tried at most {@link #ATTEMPTS} times: {@link
 * #FIRST_DELAY_MS} ms after its failure, twice as long after its first failed attempt and four times after its second.
 * Each uid waits its own delay, never less (a uid that fails just before others are re-synced is not re-synced with
 * them, so a storm's timeouts are not answered with an immediate second storm). The uids go in rounds: a round
 * re-syncs the uids due by then and sets the next for the earliest of the rest, and a failure sets a round only when
 * none is set before its uid is due, so the uids that fail together share a timer. Past either bound, or while the
 * node must re-sync everything anyway (a lost connection), the failure goes back to the node, which then re-syncs
 * everything: a failure that repeats is no longer one command's bad luck.
 */
final class UidResyncs {

    private static final Logger log = LoggerFactory.getLogger(UidResyncs.class);

    /**
     * Uids that may wait. A command fails for many uids at once: a subscribe queue's command carries up to 512 channels,
     * and a lane has 256 presence writes in flight; a loaded connect storm timed out 1,500 and more together, which a
     * bound of 1,024 turned into re-syncs of 4,000 to 9,000 uids. Each waiting uid holds about 100 bytes.
     */
    static final int MAX_PENDING = 16_384;
    static final int ATTEMPTS = 3;
    static final long FIRST_DELAY_MS = 250;

    private final String owner;
    private final ScheduledExecutorService timer;
    private final BooleanSupplier mayRun;
    private final Function<String, CompletableFuture<?>> resync;
    private final BiConsumer<String, Throwable> giveUp;
    private final LongSupplier nanoClock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** When the earliest round set is due ({@link System#nanoTime()}), or {@link #NO_ROUND}. */
    private final AtomicLong nextRound = new AtomicLong(NO_ROUND);
    private final AtomicLong resynced = new AtomicLong();
    private final LogThrottle roundLog = new LogThrottle(Duration.ofMinutes(1));
    private final LogThrottle giveUpLog = new LogThrottle(Duration.ofMinutes(1));

    private static final long NO_ROUND = Long.MAX_VALUE;

    /** A waiting uid: its failed attempts so far, and when its next is due. */
    private record Pending(int attempts, long dueNanos, Throwable firstError, CompletableFuture<Void> done) {
    }

    /**
     * @param owner  names the node in log lines
     * @param timer  runs the re-syncs
     * @param mayRun false while the node re-syncs everything or must (that writes every uid), or is closing
     * @param resync writes a uid's subscriptions and presence as the node holds it now; the returned future
     *               completes when Redis has them
     * @param giveUp takes back a failure that is not repaired here, for the node to re-sync everything
     */
    UidResyncs(String owner, ScheduledExecutorService timer, BooleanSupplier mayRun,
               Function<String, CompletableFuture<?>> resync, BiConsumer<String, Throwable> giveUp) {
        this(owner, timer, mayRun, resync, giveUp, System::nanoTime);
    }

    /** As above, on {@code nanoClock} (a test's), which must agree with {@code timer}'s delays. */
    UidResyncs(String owner, ScheduledExecutorService timer, BooleanSupplier mayRun,
               Function<String, CompletableFuture<?>> resync, BiConsumer<String, Throwable> giveUp, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.owner = owner;
        this.timer = timer;
        this.mayRun = mayRun;
        this.resync = resync;
        this.giveUp = giveUp;
    }

    /** Whether a command that failed with {@code error} may be set right for its uid alone: Redis answered, or was only slow. */
    static boolean repairable(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RedisCommandTimeoutException || cause instanceof RedisCommandExecutionException;
    }

    /**
     * Takes a failed command of {@code uid}: the uid is re-synced alone, later.
     *
     * @return completes when the uid's re-sync is answered; exceptionally when the failure went back to the node.
     *         {@code null} when not taken: the error is not {@link #repairable}, the node may not re-sync single
     *         uids now, or too many wait; the caller then has the node re-sync everything.
     */
    CompletableFuture<Void> offer(String uid, Throwable error) {
        if (!repairable(error) || !mayRun.getAsBoolean()) {
            return null;
        }
        Pending taken = pending.computeIfAbsent(uid, u -> pending.size() >= MAX_PENDING
                ? null : new Pending(0, dueAfter(0), unwrap(error), new CompletableFuture<>()));
        if (taken == null) {
            return null;
        }
        scheduleRound(taken.dueNanos);
        return taken.done;
    }

    /** When a uid that has failed {@code attempts} re-syncs so far is next due. */
    private long dueAfter(int attempts) {
        return nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(FIRST_DELAY_MS << Math.min(attempts, 10));
    }

    /** Sets a round for {@code dueNanos}, unless one is set at or before it (that round sets the next). */
    private void scheduleRound(long dueNanos) {
        for (long set = nextRound.get(); set > dueNanos; set = nextRound.get()) {
            if (nextRound.compareAndSet(set, dueNanos)) {
                try {
                    timer.schedule(() -> round(dueNanos), Math.max(0, dueNanos - nanoClock.getAsLong()), TimeUnit.NANOSECONDS);
                } catch (RuntimeException rejected) { // the timer is shutting down with the node
                    nextRound.compareAndSet(dueNanos, NO_ROUND);
                    dropAll(rejected);
                }
                return;
            }
        }
    }

    /**
     * Re-syncs the waiting uids that are due and sets a round for the rest, or hands them all back when the node may
     * not re-sync single uids now.
     */
    private void round(long setFor) {
        nextRound.compareAndSet(setFor, NO_ROUND); // else an earlier round was set since; this one runs as well, harmlessly
        if (pending.isEmpty()) {
            return;
        }
        if (!mayRun.getAsBoolean()) {
            dropAll(null);
            return;
        }
        long now = nanoClock.getAsLong();
        List<Map.Entry<String, Pending>> due = new ArrayList<>();
        long nextDue = NO_ROUND;
        for (Map.Entry<String, Pending> entry : pending.entrySet()) {
            long at = entry.getValue().dueNanos;
            if (at - now <= 0) {
                due.add(entry);
            } else {
                nextDue = Math.min(nextDue, at);
            }
        }
        if (nextDue != NO_ROUND) {
            scheduleRound(nextDue);
        }
        if (due.isEmpty()) {
            return;
        }
        if (roundLog.allow()) { // a line a minute at most; the meter counts every uid
            log.warn("{}: re-syncing {} uids alone, a command of each failed while Redis answered (first: {}); {} so far",
                    owner, due.size(), due.get(0).getValue().firstError.toString(), resynced.get());
        }
        for (Map.Entry<String, Pending> entry : due) {
            String uid = entry.getKey();
            Pending p = entry.getValue();
            if (!pending.remove(uid, p)) {
                continue;
            }
            CompletableFuture<?> written;
            try {
                written = resync.apply(uid);
            } catch (RuntimeException e) {
                written = CompletableFuture.failedFuture(e);
            }
            written.whenComplete((v, e) -> answered(uid, p, e));
        }
    }

    private void answered(String uid, Pending p, Throwable error) {
        if (error == null) {
            resynced.incrementAndGet();
            p.done.complete(null);
            return;
        }
        int attempts = p.attempts + 1;
        boolean inStep = mayRun.getAsBoolean();
        if (attempts < ATTEMPTS && repairable(error) && inStep) {
            Pending again = new Pending(attempts, dueAfter(attempts), p.firstError, p.done);
            Pending newer = pending.putIfAbsent(uid, again);
            if (newer != null) { // a later command of the uid failed meanwhile: its re-sync answers for this one too
                newer.done.whenComplete((v, e) -> complete(p.done, e));
            } else {
                scheduleRound(again.dueNanos);
            }
            return;
        }
        if (inStep && giveUpLog.allow()) { // else the node is re-syncing or closing already
            log.warn("{}: uid {} still failed after {} attempts ({}); re-syncing every uid", owner, uid, attempts, unwrap(error).toString());
        }
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
            giveUp.accept(uid, error);
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

    /** Uids waiting for their re-sync; for metrics and tests. */
    int pending() {
        return pending.size();
    }

    /** Uids re-synced alone, successfully; for metrics. */
    long resynced() {
        return resynced.get();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
