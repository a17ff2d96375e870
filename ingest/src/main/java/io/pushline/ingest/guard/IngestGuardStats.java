package io.pushline.ingest.guard;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what the ingest guard refused. Thread-safe; shared by all connections. */
public final class IngestGuardStats {

    private final LongAdder addressRefused = new LongAdder();
    private final LongAdder authFailed = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();

    void addressRefused() { addressRefused.increment(); }
    void authFailed() { authFailed.increment(); }
    void rateLimited() { rateLimited.increment(); }

    /** Connections closed on accept: peer outside --ingest-allow. */
    public long addressRefusedCount() { return addressRefused.sum(); }
    /** Connections closed because their first line was not {@code AUTH <the secret>}. */
    public long authFailedCount() { return authFailed.sum(); }
    /** Lines answered fail because their connection passed --ingest-rate-limit. */
    public long rateLimitedCount() { return rateLimited.sum(); }
}
