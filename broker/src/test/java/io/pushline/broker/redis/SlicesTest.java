package io.pushline.broker.redis;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pacing alone, with futures the test answers itself in place of Redis. */
class SlicesTest {

    /** Synchronized: a slice the timer sends is added on the timer's thread. */
    private final List<CompletableFuture<Void>> sent = Collections.synchronizedList(new ArrayList<>());

    private CompletableFuture<?> send(int item) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        sent.add(answer);
        return answer;
    }

    private void answerAll() {
        new ArrayList<>(sent).forEach(f -> f.complete(null));
    }

    @Test
    void atMostInFlightSlicesWaitForAnswersAndAnAnsweredOneLetsTheNextGo() {
        int slices = Slices.IN_FLIGHT + 2;
        List<Integer> items = IntStream.range(0, Slices.SIZE * slices - 1).boxed().toList();

        CompletableFuture<Void> done = Slices.each(items, this::send);
        assertEquals(Slices.SIZE * Slices.IN_FLIGHT, sent.size());

        sent.subList(0, Slices.SIZE - 1).forEach(f -> f.complete(null));
        assertEquals(Slices.SIZE * Slices.IN_FLIGHT, sent.size(), "one command of the first slice is unanswered");

        sent.get(Slices.SIZE - 1).complete(null);
        assertEquals(Slices.SIZE * (Slices.IN_FLIGHT + 1), sent.size(), "one slice answered, one more sent");
        answerAll();
        assertEquals(items.size(), sent.size());
        assertFalse(done.isDone());
        answerAll();
        assertTrue(done.isDone() && !done.isCompletedExceptionally());
    }

    @Test
    void aFailedCommandStopsTheRestAndFailsTheWhole() {
        List<Integer> items = IntStream.range(0, Slices.SIZE * (Slices.IN_FLIGHT + 3)).boxed().toList();

        CompletableFuture<Void> done = Slices.each(items, this::send);
        sent.get(3).completeExceptionally(new IllegalStateException("Redis said no"));
        answerAll();

        assertEquals(Slices.SIZE * Slices.IN_FLIGHT, sent.size(), "nothing is sent after the failure");
        ExecutionException e = assertThrows(ExecutionException.class, done::get);
        assertEquals("Redis said no", e.getCause().getMessage());
    }

    @Test
    void slicesAnsweredAtOnceAreSentInALoopNotARecursion() {
        // A re-sync's uids that left meanwhile are answered without Redis: a long run of them must not nest calls.
        List<Integer> items = IntStream.range(0, Slices.SIZE * 50_000).boxed().toList();

        CompletableFuture<Void> done = Slices.each(items, i -> CompletableFuture.completedFuture(null));

        assertTrue(done.isDone() && !done.isCompletedExceptionally());
    }

    @Test
    void anEmptyListIsDoneAtOnce() {
        assertTrue(Slices.each(List.of(), this::send).isDone());
    }

    @Test
    void spreadSlicesWaitOnTheTimerBetweenThemAndStillSendEverything() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            List<Integer> items = IntStream.range(0, Slices.SIZE * (Slices.IN_FLIGHT + 2)).boxed().toList();
            List<Integer> seen = Collections.synchronizedList(new ArrayList<>());

            CompletableFuture<Void> done = Slices.each(items, i -> {
                seen.add(i);
                return CompletableFuture.completedFuture(null); // answered at once: only the timer spaces them
            }, Duration.ofMillis(300), timer);
            assertEquals(Slices.SIZE * Slices.IN_FLIGHT, seen.size(), "the first slices go at once, the next ones wait");

            done.get(5, TimeUnit.SECONDS);
            assertEquals(items, seen);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aSlicePastItsTimeInTheSpreadGoesAsSoonAsItsChainIsAnsweredWithoutTheTimer() {
        // Two rounds of IN_FLIGHT slices over 1 s: the second round is due 500 ms after the start. Redis answering
        // the first round after 600 ms leaves nothing to wait for, so the second goes at once, on the answering
        // thread; a timer that refuses every task shows it was not asked to wait.
        AtomicLong now = new AtomicLong(1_000_000L);
        ScheduledExecutorService refusing = Executors.newSingleThreadScheduledExecutor();
        refusing.shutdown();
        List<Integer> items = IntStream.range(0, Slices.SIZE * Slices.IN_FLIGHT * 2).boxed().toList();

        CompletableFuture<Void> done = Slices.each(items, this::send, Duration.ofSeconds(1), refusing, now::get);
        assertEquals(Slices.SIZE * Slices.IN_FLIGHT, sent.size());
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        answerAll();

        assertEquals(items.size(), sent.size(), "the second round went out as the first was answered");
        answerAll();
        assertTrue(done.isDone() && !done.isCompletedExceptionally());
    }

    @Test
    void aSliceAnsweredBeforeItsTimeInTheSpreadWaitsOnTheTimerForTheRestOfIt() {
        AtomicLong now = new AtomicLong(1_000_000L);
        List<Long> delays = new ArrayList<>();
        List<Runnable> waiting = new ArrayList<>();
        ScheduledExecutorService timer = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
                delays.add(unit.toMillis(delay));
                waiting.add(task); // run by the test once its clock has moved
                return null;
            }
        };
        try {
            List<Integer> items = IntStream.range(0, Slices.SIZE * Slices.IN_FLIGHT * 2).boxed().toList();

            CompletableFuture<Void> done = Slices.each(items, this::send, Duration.ofSeconds(1), timer, now::get);
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
            answerAll();

            assertEquals(Collections.nCopies(Slices.IN_FLIGHT, 300L), delays, "each chain waits for the rest of its 500 ms");
            assertEquals(Slices.SIZE * Slices.IN_FLIGHT, sent.size());
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
            waiting.forEach(Runnable::run);
            assertEquals(items.size(), sent.size());
            answerAll();
            assertTrue(done.isDone() && !done.isCompletedExceptionally());
        } finally {
            timer.shutdownNow();
        }
    }
}
