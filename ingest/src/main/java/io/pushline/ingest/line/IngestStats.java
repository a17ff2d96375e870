package io.pushline.ingest.line;

import io.pushline.common.protocol.InvalidLineException;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one ingest, shared by its connections. Thread-safe. */
public final class IngestStats {

    private final LongAdder ok = new LongAdder();
    private final LongAdder offline = new LongAdder();
    private final LongAdder brokerErrors = new LongAdder();
    private final Map<InvalidLineException.Reason, AtomicLong> refused = new EnumMap<>(InvalidLineException.Reason.class);

    public IngestStats() {
        for (InvalidLineException.Reason r : InvalidLineException.Reason.values()) {
            refused.put(r, new AtomicLong());
        }
    }

    void ok() { ok.increment(); }
    void offline() { offline.increment(); }
    void brokerError() { brokerErrors.increment(); }
    void refused(InvalidLineException.Reason reason) { refused.get(reason).incrementAndGet(); }

    public long okCount() { return ok.sum(); }
    public long offlineCount() { return offline.sum(); }
    public long brokerErrorCount() { return brokerErrors.sum(); }
    public long refusedCount(InvalidLineException.Reason reason) { return refused.get(reason).get(); }
}
