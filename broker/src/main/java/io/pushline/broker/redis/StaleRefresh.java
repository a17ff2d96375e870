package io.pushline.broker.redis;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one presence refresh did for the uids it reached while Redis might not match the node (it waits to
 * re-sync): entries it extended, uids it found with no entry to extend (Redis lost it, or it lapsed), and uids it
 * let lapse because a loop holding a page of them may not receive. Counted for the log line that says so: without
 * it, uids going offline while most of the node still delivers is a mystery to an operator.
 */
final class StaleRefresh {

    private final AtomicInteger extended = new AtomicInteger();
    private final AtomicInteger absent = new AtomicInteger();
    private final AtomicInteger lapsing = new AtomicInteger();

    void extended(boolean existed) {
        (existed ? extended : absent).incrementAndGet();
    }

    void letLapse() {
        lapsing.incrementAndGet();
    }

    /** Whether the refresh reached any uid while the node was stale. */
    boolean any() {
        return extended.get() + absent.get() + lapsing.get() > 0;
    }

    int extended() {
        return extended.get();
    }

    int absent() {
        return absent.get();
    }

    int lapsing() {
        return lapsing.get();
    }
}
