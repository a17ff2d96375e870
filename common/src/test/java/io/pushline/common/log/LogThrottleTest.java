package io.pushline.common.log;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogThrottleTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(1), now::get);

    @Test
    void theFirstCallIsLetThroughAndTheNextOnlyAfterTheInterval() {
        assertTrue(throttle.allow());
        assertFalse(throttle.allow());
        now.addAndGet(999_999_999L);
        assertFalse(throttle.allow());
        now.addAndGet(1L);
        assertTrue(throttle.allow());
        assertFalse(throttle.allow());
    }

    @Test
    void ofManyThreadsCallingAtOnceOneIsLetThrough() throws Exception {
        AtomicLong allowed = new AtomicLong();
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                for (int j = 0; j < 10_000; j++) {
                    if (throttle.allow()) {
                        allowed.incrementAndGet();
                    }
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1, allowed.get(), "let through with the clock standing still");
    }
}
