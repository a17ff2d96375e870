package io.pushline.broker.redis;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The joins and leaves of one lane's presence, written with at most {@link #IN_FLIGHT} unanswered; the others wait
 * here in the order they were decided, one entry per uid. A command's timeout runs from the moment it is handed to
 * Lettuce, and Redis answers a connection's commands in order: 19,000 pages closing within a second wrote 38,000 commands
 * at once, and on two shared cores the last of them waited more than the 500 ms timeout behind the others (a
 * failure, a warning, and a re-sync of every uid the node held, in every connect-storm benchmark). Waiting here
 * instead, a command is written when Redis has room for it, and its timeout measures Redis, not the queue.
 *
 * <p>A uid that waits has one entry, whose latest decision wins: a page that leaves and another that joins for the
 * same uid before either is written cost one write, not two. Both writes set a state (vouched or not) rather than
 * change one, so only the last matters; the callers of both are answered when it is. A uid's writes cannot
 * overtake each other: its entry is written after anything of it already written, on the same connection.
 *
 * <p>Bounded: at most {@link #IN_FLIGHT} unanswered, and one waiting entry per uid up to {@code maxWaiting}; past
 * that a write fails at once, and the caller re-syncs later as for any failed write.
 *
 * <p>Callers may hold the broker's lock; the queue never takes it. It answers its callers without holding its own
 * lock, since their callbacks take the broker's.
 */
final class PresenceQueue {

    /**
     * Writes unanswered at a time, each two commands. Enough to keep Redis busy across a round trip (256 per round
     * trip of a millisecond is far more than a lane's joins and leaves), few enough that the last is answered
     * within a few milliseconds of Redis's time (about 10 µs each).
     */
    static final int IN_FLIGHT = 256;

    private final String name;
    private final Function<String, CompletableFuture<Void>> join;
    private final Function<String, CompletableFuture<Void>> leave;
    private final int maxWaiting;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. In the order first decided; a later decision for a waiting uid replaces its own. */
    private final LinkedHashMap<String, Entry> waiting = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: callers to answer once the lock is released. */
    private final ArrayDeque<Runnable> answers = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private int inFlight;
    /** Guarded by {@link #lock}: a write answered as it was written must not start a second drain in the first. */
    private boolean draining;

    /**
     * @param name names the queue in errors (node and lane)
     * @param join writes that the node vouches for a uid
     * @param leave writes that it no longer does
     * @param maxWaiting uids that may wait at once
     */
    PresenceQueue(String name, Function<String, CompletableFuture<Void>> join,
                  Function<String, CompletableFuture<Void>> leave, int maxWaiting) {
        this.name = name;
        this.join = join;
        this.leave = leave;
        this.maxWaiting = maxWaiting;
    }

    /** Queues the node's vouching for {@code uid}; completes when Redis has it, or when a later decision has. */
    CompletableFuture<Void> join(String uid) {
        return decide(uid, true);
    }

    /** Queues the end of the node's vouching for {@code uid}; as {@link #join}. */
    CompletableFuture<Void> leave(String uid) {
        return decide(uid, false);
    }

    /** Writes waiting now (not yet written). */
    int waiting() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Writes written and not yet answered. */
    int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    private CompletableFuture<Void> decide(String uid, boolean joins) {
        CompletableFuture<Void> done;
        synchronized (lock) {
            Entry entry = waiting.get(uid);
            if (entry != null) {
                entry.joins = joins;
                return entry.done;
            }
            if (waiting.size() >= maxWaiting) {
                return CompletableFuture.failedFuture(new IllegalStateException(name + ": presence queue full ("
                        + waiting.size() + " uids waiting, limit " + maxWaiting + "; " + inFlight
                        + " writes unanswered): Redis is not keeping up with the joins and leaves"));
            }
            entry = new Entry(uid, joins);
            waiting.put(uid, entry);
            done = entry.done;
            drain();
        }
        answerOutsideLock();
        return done;
    }

    /** Writes waiting entries while fewer than {@link #IN_FLIGHT} are unanswered. Under the lock. */
    private void drain() {
        if (draining) {
            return; // the drain this write was answered in goes on
        }
        draining = true;
        try {
            while (inFlight < IN_FLIGHT && !waiting.isEmpty()) {
                Iterator<Entry> first = waiting.values().iterator();
                Entry entry = first.next();
                first.remove();
                inFlight++;
                CompletableFuture<Void> written;
                try {
                    written = (entry.joins ? join : leave).apply(entry.uid);
                } catch (RuntimeException e) {
                    written = CompletableFuture.failedFuture(e);
                }
                written.whenComplete((v, e) -> answered(entry, e));
            }
        } finally {
            draining = false;
        }
    }

    private void answered(Entry entry, Throwable error) {
        synchronized (lock) {
            inFlight--;
            answers.add(() -> {
                if (error != null) {
                    entry.done.completeExceptionally(error);
                } else {
                    entry.done.complete(null);
                }
            });
            drain();
        }
        answerOutsideLock();
    }

    /**
     * Answers the callers whose writes were answered. A thread that still holds the lock further up its stack (a
     * write answered as it was written) leaves them to that outer frame, which runs this once it lets go.
     */
    private void answerOutsideLock() {
        if (Thread.holdsLock(lock)) {
            return;
        }
        while (true) {
            Runnable answer;
            synchronized (lock) {
                answer = answers.poll();
            }
            if (answer == null) {
                return;
            }
            answer.run();
        }
    }

    private static final class Entry {
        final String uid;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Guarded by the queue's lock: the latest decision. */
        boolean joins;

        Entry(String uid, boolean joins) {
            this.uid = uid;
            this.joins = joins;
        }
    }
}
