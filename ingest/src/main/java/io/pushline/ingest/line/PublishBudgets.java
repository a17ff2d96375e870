package io.pushline.ingest.line;

import io.netty.util.concurrent.EventExecutor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ingest's {@link PublishBudget}s, one per event loop, made when a loop's first connection arrives. The
 * publishes limit is per loop because each loop has its own Redis connection, whose command queue it protects;
 * the bytes limit is the process's memory bound, so each loop gets an equal share of it. Thread-safe.
 */
public final class PublishBudgets {

    private final int maxPublishesPerLoop;
    private final long maxBytesPerLoop;
    private final Map<EventExecutor, PublishBudget> byLoop = new ConcurrentHashMap<>();

    /**
     * @param maxPublishesPerLoop publishes one loop may have awaiting Redis
     * @param maxBytesPerProcess bytes of publishes the whole ingest may have awaiting Redis
     * @param loops the ingest's event loops, which share those bytes evenly
     */
    public PublishBudgets(int maxPublishesPerLoop, long maxBytesPerProcess, int loops) {
        this.maxPublishesPerLoop = maxPublishesPerLoop;
        this.maxBytesPerLoop = Math.max(1, maxBytesPerProcess / Math.max(1, loops));
    }

    /** No limits: for tests of the line handling alone. */
    public static PublishBudgets unlimited() {
        return new PublishBudgets(Integer.MAX_VALUE, Long.MAX_VALUE / 2, 1);
    }

    PublishBudget of(EventExecutor loop) {
        return byLoop.computeIfAbsent(loop, l -> new PublishBudget(l, maxPublishesPerLoop, maxBytesPerLoop));
    }

    public long maxBytesPerLoop() {
        return maxBytesPerLoop;
    }

    public int pendingPublishes() {
        return byLoop.values().stream().mapToInt(PublishBudget::publishes).sum();
    }

    public long pendingBytes() {
        return byLoop.values().stream().mapToLong(PublishBudget::bytes).sum();
    }

    public int waitingConnections() {
        return byLoop.values().stream().mapToInt(PublishBudget::waitingConnections).sum();
    }
}
