package io.pushline.ingest.line;

import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayDeque;

/**
 * The publishes one event loop has awaiting Redis, and their bytes (a line's length once per target uid), shared
 * by every ingest connection of the loop. A line is published only while both are under their limits; otherwise
 * its connection holds it, stops being read, and waits here, first come first served, until answers free the
 * budget. Without it, a few lines of a thousand uids each overflowed Lettuce's command queue of the loop's one
 * Redis connection, and during a Redis stall the lines waiting for it grew the heap without bound.
 *
 * <p>A loop with nothing in flight admits any line (the fan-out cap bounds one line), so a budget smaller than a
 * line cannot wedge it. Not thread-safe: touched only on its event loop; the counts are volatile for the metrics.
 */
public final class PublishBudget {

    /** A connection holding lines: publishes what now fits, and says whether it still holds any. */
    interface Waiter {
        boolean publishHeld();
    }

    private final EventExecutor loop;
    private final int maxPublishes;
    private final long maxBytes;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private volatile int publishes;
    private volatile long bytes;
    private volatile int waiters;
    private boolean wakeQueued;

    PublishBudget(EventExecutor loop, int maxPublishes, long maxBytes) {
        this.loop = loop;
        this.maxPublishes = maxPublishes;
        this.maxBytes = maxBytes;
    }

    /** Takes the budget of a line unless connections are already waiting (they come first) or it does not fit. */
    boolean tryAcquire(int targets, long cost) {
        return waiting.isEmpty() && acquireIfRoom(targets, cost);
    }

    /** Takes the budget of a line if it fits, or if nothing is in flight. */
    boolean acquireIfRoom(int targets, long cost) {
        if (publishes > 0 && (publishes + targets > maxPublishes || bytes + cost > maxBytes)) {
            return false;
        }
        publishes += targets;
        bytes += cost;
        return true;
    }

    /**
     * A line's publishes were answered. The waiting connections are woken in a task of their own, not here: this
     * runs inside a publish's completion, and a woken connection publishing (and completing) again here would
     * recurse.
     */
    void release(int targets, long cost) {
        publishes -= targets;
        bytes -= cost;
        if (!waiting.isEmpty() && !wakeQueued) {
            wakeQueued = true;
            loop.execute(this::wake);
        }
    }

    void await(Waiter w) {
        waiting.add(w);
        waiters = waiting.size();
    }

    /** A closed connection leaves the queue; rare, so a linear remove is fine. */
    void cancel(Waiter w) {
        waiting.remove(w);
        waiters = waiting.size();
    }

    private void wake() {
        wakeQueued = false;
        Waiter w;
        while ((w = waiting.poll()) != null) {
            if (!w.publishHeld()) {
                waiting.addFirst(w); // still first in line for the next answers
                break;
            }
        }
        waiters = waiting.size();
    }

    public int publishes() {
        return publishes;
    }

    public long bytes() {
        return bytes;
    }

    /** Connections not read because this loop's budget is spent. */
    public int waitingConnections() {
        return waiters;
    }

    public int maxPublishes() {
        return maxPublishes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
