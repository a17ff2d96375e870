package io.pushline.common.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets a warning through at most once per interval, from any thread: an outage or an overload repeats the same
 * event thousands of times a second, and a log line each would bury the log (and cost the event loops that write it).
 * The events it holds back are counted by the caller's meters, which the line it lets through should quote.
 */
public final class LogThrottle {

    private final long everyNanos;
    private final LongSupplier clock;
    private final AtomicLong lastNanos;

    /** The first call is let through; then at most one per {@code every}. */
    public LogThrottle(Duration every) {
        this(every, System::nanoTime);
    }

    LogThrottle(Duration every, LongSupplier clock) {
        this.everyNanos = every.toNanos();
        this.clock = clock;
        this.lastNanos = new AtomicLong(clock.getAsLong() - everyNanos);
    }

    /** Whether to log now; true for at most one caller per interval. */
    public boolean allow() {
        long last = lastNanos.get();
        long now = clock.getAsLong();
        return now - last >= everyNanos && lastNanos.compareAndSet(last, now);
    }
}
