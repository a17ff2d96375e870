package io.pushline.broker.redis;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue alone, with futures the test answers itself in place of Redis. */
class PresenceQueueTest {

    /** One write the queue made: which uid, join or leave, and the answer the test gives it. */
    private record Write(String uid, boolean joins, CompletableFuture<Void> answer) {
    }

    private final List<Write> writes = new ArrayList<>();

    private PresenceQueue queue(int maxWaiting) {
        return new PresenceQueue("test lane", uid -> write(uid, true), uid -> write(uid, false), maxWaiting);
    }

    private synchronized CompletableFuture<Void> write(String uid, boolean joins) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        writes.add(new Write(uid, joins, answer));
        return answer;
    }

    private synchronized Write write(int index) {
        return writes.get(index);
    }

    private synchronized int written() {
        return writes.size();
    }

    @Test
    void atMostInFlightWritesAreUnansweredAndEachAnswerLetsOneMoreGo() {
        PresenceQueue queue = queue(1 << 20);
        int uids = PresenceQueue.IN_FLIGHT * 3;
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < uids; i++) {
            done.add(queue.leave("u" + i));
        }
        assertEquals(PresenceQueue.IN_FLIGHT, written());
        assertEquals(uids - PresenceQueue.IN_FLIGHT, queue.waiting());

        write(0).answer().complete(null);
        assertTrue(done.get(0).isDone());
        assertEquals(PresenceQueue.IN_FLIGHT + 1, written(), "one answered, one more written");
        assertEquals("u" + PresenceQueue.IN_FLIGHT, write(PresenceQueue.IN_FLIGHT).uid(), "in the order decided");

        for (int i = 1; i < uids; i++) {
            write(i).answer().complete(null);
        }
        assertEquals(uids, written());
        assertTrue(done.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
        assertEquals(0, queue.inFlight());
        assertEquals(0, queue.waiting());
    }

    @Test
    void aWaitingUidIsWrittenOnceWithItsLatestDecisionAndEveryCallerIsAnswered() {
        PresenceQueue queue = queue(1 << 20);
        for (int i = 0; i < PresenceQueue.IN_FLIGHT; i++) {
            queue.join("busy" + i);
        }
        CompletableFuture<Void> joined = queue.join("u");
        CompletableFuture<Void> left = queue.leave("u");
        CompletableFuture<Void> joinedAgain = queue.join("u");
        assertEquals(1, queue.waiting());

        write(0).answer().complete(null);
        assertEquals(PresenceQueue.IN_FLIGHT + 1, written());
        Write u = write(PresenceQueue.IN_FLIGHT);
        assertEquals("u", u.uid());
        assertTrue(u.joins(), "the latest decision");
        assertFalse(joined.isDone());

        u.answer().complete(null);
        assertTrue(joined.isDone() && left.isDone() && joinedAgain.isDone());
        assertEquals(PresenceQueue.IN_FLIGHT + 1, written(), "one write for three decisions");
    }

    @Test
    void aDecisionForAUidBeingWrittenWaitsForItsOwnWrite() {
        PresenceQueue queue = queue(1 << 20);
        CompletableFuture<Void> joined = queue.join("u");
        CompletableFuture<Void> left = queue.leave("u");
        assertEquals(2, written(), "written after the first, on the same connection, never merged into it");
        assertTrue(write(0).joins());
        assertFalse(write(1).joins());
        write(1).answer().complete(null);
        assertTrue(left.isDone());
        assertFalse(joined.isDone());
    }

    @Test
    void writesRefusedAtOnceAreAnsweredWithTheirFailureWithoutRecursingThroughTheQueue() {
        PresenceQueue queue = new PresenceQueue("test lane",
                uid -> CompletableFuture.failedFuture(new IllegalStateException("connection closed")),
                uid -> { throw new IllegalStateException("connection closed"); }, 1 << 20);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            done.add(i % 2 == 0 ? queue.join("u" + i) : queue.leave("u" + i));
        }
        assertTrue(done.stream().allMatch(CompletableFuture::isCompletedExceptionally));
        assertEquals(0, queue.inFlight());
        assertEquals(0, queue.waiting());
    }

    @Test
    void callersAreAnsweredWithoutTheQueueLockHeld() throws Exception {
        PresenceQueue queue = queue(1 << 20);
        CompletableFuture<Void> done = queue.leave("u");
        AtomicBoolean otherThreadGotIn = new AtomicBoolean();
        // The broker's callbacks take the broker's lock, which callers of the queue hold: answering them under the
        // queue's own lock could deadlock against a thread deciding a join. Another thread must get in meanwhile.
        done.thenRun(() -> {
            Thread other = new Thread(queue::waiting);
            other.start();
            try {
                other.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            otherThreadGotIn.set(!other.isAlive());
        });
        write(0).answer().complete(null);
        assertTrue(otherThreadGotIn.get());
    }

    @Test
    void pastItsLimitADecisionFailsAtOnceNamingTheLimitAndTheLiveState() {
        PresenceQueue queue = queue(2);
        for (int i = 0; i < PresenceQueue.IN_FLIGHT + 2; i++) {
            queue.join("u" + i);
        }
        CompletableFuture<Void> refused = queue.join("one too many");
        assertTrue(refused.isCompletedExceptionally());
        String message = refused.handle((v, e) -> e.getMessage()).join();
        assertTrue(message.contains("test lane") && message.contains("2 uids waiting, limit 2")
                && message.contains(PresenceQueue.IN_FLIGHT + " writes unanswered"), message);
        assertFalse(queue.join("u" + (PresenceQueue.IN_FLIGHT + 1)).isDone(), "a waiting uid still merges");
    }
}
