package io.pushline.gateway.guard;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import static io.pushline.gateway.guard.ConnectionLimits.Verdict.ACCEPTED;
import static io.pushline.gateway.guard.ConnectionLimits.Verdict.IP_FULL;
import static io.pushline.gateway.guard.ConnectionLimits.Verdict.IP_RATE;
import static io.pushline.gateway.guard.ConnectionLimits.Verdict.NODE_FULL;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectionLimitsTest {

    private static final InetAddress A = NetUtil.createInetAddressFromIpAddressString("198.51.100.1");
    private static final InetAddress B = NetUtil.createInetAddressFromIpAddressString("198.51.100.2");
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void shouldRefuseAnIpOverItsLimitAndFreeTheSlotOnRelease() {
        ConnectionLimits limits = new ConnectionLimits(0, 2, 0, now::get);
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(IP_FULL, limits.tryAcquire(A));
        assertEquals(ACCEPTED, limits.tryAcquire(B));
        limits.release(A);
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(3, limits.open());
    }

    @Test
    void shouldRefuseANewConnectionWhenTheNodeIsFullWithoutLeakingTheIpSlot() {
        ConnectionLimits limits = new ConnectionLimits(1, 5, 0, now::get);
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(NODE_FULL, limits.tryAcquire(B));
        assertEquals(0, limits.openFrom(B));
        limits.release(A);
        assertEquals(0, limits.open());
        assertEquals(0, limits.openFrom(A));
    }

    @Test
    void shouldLimitNewConnectionsPerSecondPerIpAndStartAFreshWindowEachSecond() {
        ConnectionLimits limits = new ConnectionLimits(0, 0, 2, now::get);
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(ACCEPTED, limits.tryAcquire(A));
        assertEquals(IP_RATE, limits.tryAcquire(A));
        assertEquals(ACCEPTED, limits.tryAcquire(B));
        now.addAndGet(1_000);
        assertEquals(ACCEPTED, limits.tryAcquire(A));
    }
}
