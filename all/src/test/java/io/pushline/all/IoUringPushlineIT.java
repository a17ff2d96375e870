package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.common.netty.Transport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The wire contract on io_uring event loops ({@code --transport io_uring}), embedded. Redis mode on io_uring runs
 * in a process of its own ({@link IoUringRedisNodeIT}): Lettuce picks its transport once per JVM.
 */
class IoUringPushlineIT extends PushlineContract {

    @BeforeAll
    static void ioUringIsAllowedHere() {
        assumeTrue(Transport.IO_URING.isAvailable(), () -> "io_uring is not available: " + Transport.IO_URING.unavailabilityCause());
    }

    @Override
    RedisOptions redisOptions() {
        return new RedisOptions(null, "pushline", Duration.ofSeconds(30));
    }

    @Override
    EventLoopOptions loopOptions() {
        return EventLoopOptions.of(EventLoopOptions.PER_CORE, "io_uring");
    }

    /** The contract above ran on rings, not on epoll: the kernel lists one io_uring file per loop of this process. */
    @Test
    void theNodesLoopsAreIoUringRings() throws IOException {
        int loops = loopOptions().threads();
        assertTrue(openRings() >= loops, "io_uring files open: " + openRings() + ", loops: " + loops);
    }

    private static long openRings() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("io_uring");
                } catch (IOException e) {
                    return false; // closed since it was listed
                }
            }).count();
        }
    }
}
