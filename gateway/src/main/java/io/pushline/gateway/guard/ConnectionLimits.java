package io.pushline.gateway.guard;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Open WebSockets per node and per client IP, and new ones per second per client IP. A limit of 0 is off.
 * Thread-safe: every event loop asks it. Memory is bounded by the IPs with open connections plus the IPs seen in
 * the last second; older rate windows are swept once a second.
 */
final class ConnectionLimits {

    enum Verdict { ACCEPTED, NODE_FULL, IP_FULL, IP_RATE }

    private static final long WINDOW_MILLIS = 1_000;

    private final int maxConnections;
    private final int maxPerIp;
    private final int maxNewPerSecondPerIp;
    private final LongSupplier clock;
    private final AtomicInteger open = new AtomicInteger();
    /**
     * Counted and uncounted only inside the map's atomic merge and compute: a counter taken out of the map by one
     * loop while another incremented it outside would lose that connection, and the limit would drift.
     */
    private final ConcurrentHashMap<InetAddress, Integer> openPerIp = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, Window> newPerIp = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepWindow = new AtomicLong();

    /** New connections of one IP in one one-second window. Mutated only inside the map's compute. */
    private static final class Window {
        final long index;
        int count;

        Window(long index) {
            this.index = index;
        }
    }

    ConnectionLimits(int maxConnections, int maxPerIp, int maxNewPerSecondPerIp, LongSupplier clock) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
        this.maxNewPerSecondPerIp = maxNewPerSecondPerIp;
        this.clock = clock;
    }

    /** Counts a new connection of {@code ip} if every limit allows it; the caller must {@link #release} it once. */
    Verdict tryAcquire(InetAddress ip) {
        if (maxNewPerSecondPerIp > 0 && !withinRate(ip)) {
            return Verdict.IP_RATE;
        }
        if (maxPerIp > 0) {
            if (openPerIp.merge(ip, 1, Integer::sum) > maxPerIp) {
                releaseIp(ip);
                return Verdict.IP_FULL;
            }
        }
        if (maxConnections > 0 && open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            if (maxPerIp > 0) {
                releaseIp(ip);
            }
            return Verdict.NODE_FULL;
        }
        if (maxConnections <= 0) {
            open.incrementAndGet();
        }
        return Verdict.ACCEPTED;
    }

    void release(InetAddress ip) {
        open.decrementAndGet();
        if (maxPerIp > 0) {
            releaseIp(ip);
        }
    }

    int open() {
        return open.get();
    }

    int openFrom(InetAddress ip) {
        return openPerIp.getOrDefault(ip, 0);
    }

    private void releaseIp(InetAddress ip) {
        openPerIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }

    private boolean withinRate(InetAddress ip) {
        long window = clock.getAsLong() / WINDOW_MILLIS;
        sweep(window);
        Window w = newPerIp.compute(ip, (k, old) -> {
            Window current = old == null || old.index != window ? new Window(window) : old;
            current.count++;
            return current;
        });
        return w.count <= maxNewPerSecondPerIp;
    }

    /** Drops the windows of past seconds, at most once per second (by whichever thread gets there first). */
    private void sweep(long window) {
        long last = lastSweepWindow.get();
        if (last != window && lastSweepWindow.compareAndSet(last, window)) {
            newPerIp.values().removeIf(w -> w.index < window);
        }
    }
}
