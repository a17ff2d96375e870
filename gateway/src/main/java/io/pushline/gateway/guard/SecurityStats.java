package io.pushline.gateway.guard;

import java.util.concurrent.atomic.LongAdder;

/** Counters of every connection the gateway refused, by reason. Thread-safe; shared by all connections. */
public final class SecurityStats {

    private final LongAdder originRefused = new LongAdder();
    private final LongAdder nodeFull = new LongAdder();
    private final LongAdder perIpConnections = new LongAdder();
    private final LongAdder perIpRate = new LongAdder();
    private final LongAdder invalidToken = new LongAdder();
    private final LongAdder tokenExpired = new LongAdder();
    private final LongAdder refreshesDropped = new LongAdder();

    void originRefused() { originRefused.increment(); }
    void nodeFull() { nodeFull.increment(); }
    void perIpConnections() { perIpConnections.increment(); }
    void perIpRate() { perIpRate.increment(); }
    /** A token refused at the handshake (401) or as a first frame (4401), or an invalid refresh. */
    public void invalidToken() { invalidToken.increment(); }
    /** A connection closed with 4403. */
    public void tokenExpired() { tokenExpired.increment(); }
    /** A bound page's text frame not verified: it came faster than refresh tokens are taken. */
    public void refreshDropped() { refreshesDropped.increment(); }

    /** Handshakes refused with 403 for an Origin off the list. */
    public long originRefusedCount() { return originRefused.sum(); }
    /** Handshakes refused with 503: the node had --max-connections. */
    public long nodeFullCount() { return nodeFull.sum(); }
    /** Handshakes refused with 429: the client IP had --max-connections-per-ip. */
    public long perIpConnectionsCount() { return perIpConnections.sum(); }
    /** Handshakes refused with 429: the client IP passed --max-new-connections-per-second-per-ip. */
    public long perIpRateCount() { return perIpRate.sum(); }
    public long invalidTokenCount() { return invalidToken.sum(); }
    public long tokenExpiredCount() { return tokenExpired.sum(); }
    public long refreshesDroppedCount() { return refreshesDropped.sum(); }
}
