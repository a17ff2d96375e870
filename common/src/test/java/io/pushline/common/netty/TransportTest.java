package io.pushline.common.netty;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportTest {

    @Test
    void anOperatorNamesATransportInAnyCaseAndAutoIsTheDefault() {
        assertEquals(Transport.IO_URING, Transport.named("io_uring"));
        assertEquals(Transport.IO_URING, Transport.named(" IO_URING "));
        assertEquals(Transport.NIO, Transport.named("nio"));
        assertEquals(Transport.EPOLL, Transport.named("Epoll"));
        assertEquals(Transport.best(), Transport.named("auto"));
        assertEquals("io_uring", Transport.IO_URING.optionName());
    }

    @Test
    void anUnknownNameIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EventLoopOptions.of(EventLoopOptions.PER_CORE, "uring"));
        assertEquals("--transport (PUSHLINE_TRANSPORT): unknown transport 'uring': one of auto, epoll, io_uring, nio",
                e.getMessage());
    }

    @Test
    void theDefaultIsEpollWhereItLoadsAndNeverIoUringUnasked() {
        Transport best = Transport.best();
        assertEquals(Transport.EPOLL.isAvailable() ? Transport.EPOLL : Transport.NIO, best);
        assertTrue(best.isAvailable());
        assertEquals(best, EventLoopOptions.of(EventLoopOptions.PER_CORE).transport());
    }
}
