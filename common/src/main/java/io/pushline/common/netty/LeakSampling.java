package io.pushline.common.netty;

/**
 * How often Netty's leak detector samples a buffer in a Pushline server: one in {@value #SERVER_INTERVAL} instead
 * of Netty's one in 128.
 *
 * <p>Each sampled buffer records the stack where it was created, and a push allocates several buffers: one in 1,024
 * took about a sixth off a Redis-mode node's CPU per push in pipelined runs, more than the 3.7% of its samples a
 * profile put under the detector ({@code docs/benchmarks.md}, ninth pass). A leak that matters repeats with the
 * pushes, so one in 1,024 still reports it within seconds; the tests track every buffer and fail on any leak
 * ({@code io.pushline.testkit.leaks}), which is where leaks are meant to be found. An operator's own {@code -Dio.netty.leakDetection.samplingInterval} (or
 * {@code .level}) wins.
 */
public final class LeakSampling {

    static final String PROPERTY = "io.netty.leakDetection.samplingInterval";
    static final int SERVER_INTERVAL = 1024;

    private LeakSampling() {
    }

    /** Call first in {@code main}: Netty reads the property once, when its first buffer class loads. */
    public static void forServers() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, Integer.toString(SERVER_INTERVAL));
        }
    }
}
