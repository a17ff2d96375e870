package io.pushline.broker.redis;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The refresh schedule alone, with refreshes the test answers itself in place of Redis. */
class RefreshRunsTest {

    private final List<CompletableFuture<Void>> started = new ArrayList<>();
    private final AtomicBoolean mayRun = new AtomicBoolean(true);
    private final RefreshRuns runs = runs(Runnable::run);

    /** Refreshes the test answers itself, restarted on {@code restarts}. */
    private RefreshRuns runs(Executor restarts) {
        return new RefreshRuns("test node", Duration.ofSeconds(10), Duration.ofSeconds(30), () -> {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            started.add(answered);
            return new RefreshRuns.Started(1_000, answered);
        }, mayRun::get, restarts);
    }

    @Test
    void aTickStartsARefreshAndOneEndedInItsPeriodLeavesTheNextToTheNextTick() {
        runs.tick();
        assertEquals(1, started.size());
        started.get(0).complete(null);

        assertEquals(1, started.size(), "nothing starts before the next tick");
        assertFalse(runs.running());
        runs.tick();
        assertEquals(2, started.size());
        assertEquals(0, runs.overruns());
    }

    @Test
    void aTickDuringARefreshStartsNoSecondBesideItButTheNextAsSoonAsItEnds() {
        runs.tick();
        runs.tick();
        runs.tick();
        assertEquals(1, started.size(), "one refresh at a time");
        assertEquals(2, runs.overruns());

        started.get(0).complete(null);
        assertEquals(2, started.size(), "the overdue refresh starts when the running one ends, not a period later");
        assertTrue(runs.running());

        started.get(1).complete(null);
        assertEquals(2, started.size(), "two ticks during one refresh make one refresh more, not two");
        assertFalse(runs.running());
    }

    @Test
    void anOverdueRefreshIsNotStartedAfterAFailureOrWhenTheNodeMayNoLongerRefresh() {
        runs.tick();
        runs.tick();
        started.get(0).completeExceptionally(new IllegalStateException("timed out")); // the node re-syncs instead
        assertEquals(1, started.size());
        assertFalse(runs.running());

        runs.tick();
        runs.tick();
        mayRun.set(false); // closing, or re-syncing
        started.get(1).complete(null);
        assertEquals(2, started.size());
        assertFalse(runs.running());
    }

    @Test
    void aRefreshThatThrowsLeavesTheScheduleIdleForTheNextTick() {
        RefreshRuns throwing = new RefreshRuns("test node", Duration.ofSeconds(10), Duration.ofSeconds(30), () -> {
            throw new IllegalStateException("no lane");
        }, () -> true, Runnable::run);
        throwing.tick();
        assertFalse(throwing.running());
    }

    @Test
    void theOverdueRefreshStartsOnTheGivenExecutorNotOnTheThreadOfRedisLastAnswer() {
        List<Runnable> queued = new ArrayList<>();
        RefreshRuns onTimer = runs(queued::add);
        onTimer.tick();
        onTimer.tick();
        started.get(0).complete(null);

        assertEquals(1, started.size(), "not started on the completing thread");
        assertEquals(1, queued.size());
        assertTrue(onTimer.running(), "a tick meanwhile must not start one beside it");
        onTimer.tick();
        assertEquals(1, started.size());
        queued.get(0).run();
        assertEquals(2, started.size());
    }

    @Test
    void anOverdueRefreshWaitingForItsExecutorDoesNotStartOnceTheNodeMayNoLongerRefresh() {
        List<Runnable> queued = new ArrayList<>();
        RefreshRuns onTimer = runs(queued::add);
        onTimer.tick();
        onTimer.tick();
        started.get(0).complete(null);

        mayRun.set(false); // closed meanwhile
        queued.get(0).run();
        assertEquals(1, started.size());
        assertFalse(onTimer.running());
    }
}
