package io.pushline.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The re-syncs of single uids, on a clock the test moves, with a timer whose tasks the test runs itself and re-syncs
 * whose answers it gives itself.
 */
class UidResyncsTest {

    private static final Throwable TIMEOUT = new CompletionException(new RedisCommandTimeoutException("Command timed out after 500 millisecond(s)"));
    private static final Throwable OOM = new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'.");

    /** How many re-syncs were asked for, by uid; the last one's answer is in {@link #writes}. */
    private final Map<String, Integer> asked = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();
    private final List<String> givenBack = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    /** The timer's tasks, each with its time on {@link #clock}. */
    private final List<Map.Entry<Long, Runnable>> due = new ArrayList<>();
    private final AtomicBoolean inStep = new AtomicBoolean(true);
    private final AtomicLong clock = new AtomicLong();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1) {
        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            delays.add(unit.toMillis(delay));
            due.add(Map.entry(clock.get() + unit.toNanos(delay), task));
            return null;
        }
    };
    private final UidResyncs resyncs = new UidResyncs("test node", timer, inStep::get, uid -> {
        asked.merge(uid, 1, Integer::sum);
        CompletableFuture<Void> write = new CompletableFuture<>();
        writes.put(uid, write);
        return write;
    }, (uid, e) -> givenBack.add(uid), clock::get);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    /** Moves the clock to the earliest task's time and runs every task due by then. */
    private void runDue() {
        long at = due.stream().mapToLong(Map.Entry::getKey).min().orElseThrow();
        clock.set(Math.max(clock.get(), at));
        List<Map.Entry<Long, Runnable>> now = due.stream().filter(t -> t.getKey() <= clock.get()).toList();
        due.removeAll(now);
        now.forEach(t -> t.getValue().run());
    }

    private void advanceMillis(long ms) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void aUidWhoseCommandTimedOutIsReSyncedAloneAfterADelayAndItsCallerIsAnsweredThen() {
        CompletableFuture<Void> repaired = resyncs.offer("alice", TIMEOUT);

        assertNotNull(repaired);
        assertEquals(List.of(UidResyncs.FIRST_DELAY_MS), delays);
        assertTrue(asked.isEmpty(), "nothing is written before the delay");
        runDue();
        assertEquals(1, asked.get("alice"));
        assertFalse(repaired.isDone());
        writes.get("alice").complete(null);
        assertTrue(repaired.isDone() && !repaired.isCompletedExceptionally());
        assertEquals(1, resyncs.resynced());
        assertEquals(0, resyncs.pending());
        assertTrue(givenBack.isEmpty());
    }

    @Test
    void aUidThatFailsJustBeforeARoundWaitsItsOwnDelayAndOthersThatFailTogetherShareOneTimer() {
        resyncs.offer("alice", TIMEOUT);
        advanceMillis(200);
        resyncs.offer("bob", TIMEOUT); // due 50 ms after alice's round
        resyncs.offer("carol", TIMEOUT);
        assertEquals(1, due.size(), "bob and carol wait for alice's round to set theirs");

        runDue(); // 250 ms: alice only
        assertEquals(Map.of("alice", 1), asked);
        assertEquals(List.of(250L, 200L), delays, "the next round is set for bob and carol");
        runDue(); // 450 ms
        assertEquals(Map.of("alice", 1, "bob", 1, "carol", 1), asked);
        assertTrue(due.isEmpty());
    }

    @Test
    void aRetryWaitsItsDoubledDelayWhileAFreshFailureSetsAnEarlierRound() {
        resyncs.offer("alice", TIMEOUT);
        runDue(); // 250 ms
        writes.get("alice").completeExceptionally(TIMEOUT); // retried at 750 ms
        advanceMillis(50);
        resyncs.offer("bob", TIMEOUT); // due at 550 ms, before the round set for alice

        runDue();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(550), clock.get());
        assertEquals(Map.of("alice", 1, "bob", 1), asked, "alice is not due yet");
        runDue();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(750), clock.get());
        assertEquals(2, asked.get("alice"));
        writes.get("alice").complete(null);
        writes.get("bob").complete(null);
        assertEquals(2, resyncs.resynced());
        assertTrue(due.isEmpty());
    }

    @Test
    void aCommandRedisRefusedIsRepairableButALostConnectionIsNot() {
        assertTrue(UidResyncs.repairable(OOM));
        assertTrue(UidResyncs.repairable(TIMEOUT));
        assertFalse(UidResyncs.repairable(new RedisException("Connection closed")));
        assertFalse(UidResyncs.repairable(new IllegalStateException("presence queue full")));
        assertNull(resyncs.offer("alice", new RedisException("Connection closed")));
        assertTrue(due.isEmpty());
    }

    @Test
    void failuresOfOneUidWhileItWaitsShareOneReSync() {
        CompletableFuture<Void> first = resyncs.offer("alice", TIMEOUT);
        CompletableFuture<Void> second = resyncs.offer("alice", OOM);

        assertSame(first, second);
        assertEquals(1, due.size(), "one round for both");
        runDue();
        assertEquals(1, asked.get("alice"));
    }

    @Test
    void aUidWhoseCommandFailsWhileItsReSyncIsUnderWayIsReSyncedAgainAndBothCallersAreAnsweredThen() {
        CompletableFuture<Void> first = resyncs.offer("alice", TIMEOUT);
        runDue();
        CompletableFuture<Void> second = resyncs.offer("alice", TIMEOUT); // a later command failed meanwhile
        writes.get("alice").completeExceptionally(TIMEOUT);

        runDue();
        assertEquals(2, asked.get("alice"));
        writes.get("alice").complete(null);
        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertTrue(second.isDone() && !second.isCompletedExceptionally());
    }

    @Test
    void aReSyncThatKeepsFailingIsTriedWithGrowingDelaysThenHandedBackToTheNode() {
        CompletableFuture<Void> repaired = resyncs.offer("alice", TIMEOUT);
        for (int attempt = 0; attempt < UidResyncs.ATTEMPTS; attempt++) {
            runDue();
            writes.get("alice").completeExceptionally(TIMEOUT);
        }

        assertEquals(UidResyncs.ATTEMPTS, asked.get("alice"));
        assertEquals(List.of(250L, 500L, 1000L), delays);
        assertEquals(List.of("alice"), givenBack, "the node re-syncs everything");
        assertTrue(repaired.isCompletedExceptionally());
        assertTrue(due.isEmpty());
        assertEquals(0, resyncs.resynced());
    }

    @Test
    void whenTheNodeMustReSyncAnywayTheWaitingUidsAreHandedBackAndNoneIsTakenUntilItIsInStep() {
        CompletableFuture<Void> alice = resyncs.offer("alice", TIMEOUT);
        CompletableFuture<Void> bob = resyncs.offer("bob", TIMEOUT);
        inStep.set(false); // a connection dropped: the node re-syncs everything

        assertNull(resyncs.offer("carol", TIMEOUT));
        runDue();
        assertTrue(asked.isEmpty());
        assertEquals(List.of("alice", "bob"), givenBack.stream().sorted().toList());
        assertTrue(alice.isCompletedExceptionally() && bob.isCompletedExceptionally());
    }

    @Test
    void pastItsLimitOfWaitingUidsAFailureIsNotTaken() {
        for (int i = 0; i < UidResyncs.MAX_PENDING; i++) {
            assertNotNull(resyncs.offer("uid-" + i, TIMEOUT));
        }
        assertNull(resyncs.offer("one-too-many", TIMEOUT));
        assertNotNull(resyncs.offer("uid-0", TIMEOUT), "a uid already waiting is still taken");
        assertEquals(UidResyncs.MAX_PENDING, resyncs.pending());
    }

    @Test
    void aNodeClosingAnswersEveryWaitingCaller() {
        CompletableFuture<Void> alice = resyncs.offer("alice", TIMEOUT);

        resyncs.dropAll(new IllegalStateException("closed"));
        assertTrue(alice.isCompletedExceptionally());
        assertEquals(0, resyncs.pending());
    }
}
