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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repair of single presence writes, with a timer whose tasks the test runs itself and writes whose answers it
 * gives itself.
 */
class PresenceRepairsTest {

    private static final Throwable TIMEOUT = new CompletionException(new RedisCommandTimeoutException("Command timed out after 500 millisecond(s)"));
    private static final Throwable OOM = new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'.");

    /** Each rewrite asked for, by uid: the generation and the write the test answers. */
    private final Map<String, List<Long>> asked = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();
    private final List<String> givenBack = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    private final List<Runnable> due = new ArrayList<>();
    private final AtomicBoolean inStep = new AtomicBoolean(true);
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1) {
        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            delays.add(unit.toMillis(delay));
            due.add(task);
            return null;
        }
    };
    /** Uids the node no longer holds under the generation asked for: their rewrite writes nothing. */
    private final Map<String, Boolean> decidedLater = new ConcurrentHashMap<>();

    private final PresenceRepairs repairs = new PresenceRepairs("test node", timer, inStep::get, (uid, generation) -> {
        asked.computeIfAbsent(uid, u -> new ArrayList<>()).add(generation);
        if (decidedLater.containsKey(uid)) {
            return null;
        }
        CompletableFuture<Void> write = new CompletableFuture<>();
        writes.put(uid, write);
        return write;
    }, (uid, generation, e) -> givenBack.add(uid + "@" + generation));

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private void runDue() {
        List<Runnable> now = new ArrayList<>(due);
        due.clear();
        now.forEach(Runnable::run);
    }

    @Test
    void aTimedOutWriteIsWrittenAgainAloneAfterADelayAndItsCallerIsAnsweredThen() {
        CompletableFuture<Void> repaired = repairs.offer("alice", 7, TIMEOUT);

        assertNotNull(repaired);
        assertEquals(List.of(PresenceRepairs.FIRST_DELAY_MS), delays);
        assertTrue(asked.isEmpty(), "nothing is written before the delay");
        runDue();
        assertEquals(List.of(7L), asked.get("alice"));
        assertFalse(repaired.isDone());
        writes.get("alice").complete(null);
        assertTrue(repaired.isDone() && !repaired.isCompletedExceptionally());
        assertEquals(1, repairs.repaired());
        assertEquals(0, repairs.pending());
        assertTrue(givenBack.isEmpty());
    }

    @Test
    void aWriteRedisRefusedIsRepairableButALostConnectionIsNot() {
        assertTrue(PresenceRepairs.repairable(OOM));
        assertTrue(PresenceRepairs.repairable(TIMEOUT));
        assertFalse(PresenceRepairs.repairable(new RedisException("Connection closed")));
        assertFalse(PresenceRepairs.repairable(new IllegalStateException("presence queue full")));
        assertNull(repairs.offer("alice", 7, new RedisException("Connection closed")));
        assertTrue(due.isEmpty());
    }

    @Test
    void failuresOfOneUidWhileItWaitsShareOneRepairOfItsLatestHold() {
        CompletableFuture<Void> first = repairs.offer("alice", 7, TIMEOUT);
        CompletableFuture<Void> second = repairs.offer("alice", 9, OOM);

        assertSame(first, second);
        assertEquals(1, due.size(), "one round for both");
        runDue();
        assertEquals(List.of(9L), asked.get("alice"), "written once, for the hold that decides now");
    }

    @Test
    void aWriteThatKeepsFailingIsTriedWithGrowingDelaysThenHandedBackToTheNode() {
        CompletableFuture<Void> repaired = repairs.offer("alice", PresenceRepairs.LEFT, TIMEOUT);
        for (int attempt = 0; attempt < PresenceRepairs.ATTEMPTS; attempt++) {
            runDue();
            writes.get("alice").completeExceptionally(TIMEOUT);
        }

        assertEquals(PresenceRepairs.ATTEMPTS, asked.get("alice").size());
        assertEquals(List.of(250L, 500L, 1000L), delays);
        assertEquals(List.of("alice@0"), givenBack, "the node re-syncs");
        assertTrue(repaired.isCompletedExceptionally());
        assertTrue(due.isEmpty());
        assertEquals(0, repairs.repaired());
    }

    @Test
    void aUidThatLeftOrJoinedAgainSinceItsWriteFailedIsNotWrittenAndItsCallerIsAnswered() {
        decidedLater.put("alice", true);
        CompletableFuture<Void> repaired = repairs.offer("alice", 7, TIMEOUT);

        runDue();
        assertTrue(repaired.isDone() && !repaired.isCompletedExceptionally());
        assertTrue(writes.isEmpty());
    }

    @Test
    void whenTheNodeMustReSyncAnywayTheWaitingUidsAreHandedBackAndNoneIsTakenUntilItIsInStep() {
        CompletableFuture<Void> alice = repairs.offer("alice", 7, TIMEOUT);
        CompletableFuture<Void> bob = repairs.offer("bob", PresenceRepairs.LEFT, TIMEOUT);
        inStep.set(false); // a connection dropped: the re-sync writes everything

        assertNull(repairs.offer("carol", 3, TIMEOUT));
        runDue();
        assertTrue(asked.isEmpty());
        assertEquals(List.of("alice@7", "bob@0"), givenBack.stream().sorted().toList());
        assertTrue(alice.isCompletedExceptionally() && bob.isCompletedExceptionally());
    }

    @Test
    void pastItsLimitOfWaitingUidsAFailureIsNotTaken() {
        for (int i = 0; i < PresenceRepairs.MAX_PENDING; i++) {
            assertNotNull(repairs.offer("uid-" + i, 1, TIMEOUT));
        }
        assertNull(repairs.offer("one-too-many", 1, TIMEOUT));
        assertNotNull(repairs.offer("uid-0", 2, TIMEOUT), "a uid already waiting is still taken");
        assertEquals(PresenceRepairs.MAX_PENDING, repairs.pending());
    }

    @Test
    void aNodeClosingAnswersEveryWaitingCaller() {
        CompletableFuture<Void> alice = repairs.offer("alice", 7, TIMEOUT);

        repairs.dropAll(new IllegalStateException("closed"));
        assertTrue(alice.isCompletedExceptionally());
        assertEquals(0, repairs.pending());
    }
}
