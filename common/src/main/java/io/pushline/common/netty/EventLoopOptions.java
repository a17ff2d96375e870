package io.pushline.common.netty;

import picocli.CommandLine.Option;

/** How many event loops a process runs, one per core unless told otherwise, and on which transport. */
public final class EventLoopOptions {

    /** The value that means one loop per core. */
    public static final int PER_CORE = 0;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "${env:PUSHLINE_EVENT_LOOPS:-" + PER_CORE + "}",
            description = "Event-loop threads of this process, shared by its listeners and its Redis client; 0: one per "
                    + "core. Fewer loops hand fewer pushes from thread to thread, more loops use more cores. "
                    + "Env: PUSHLINE_EVENT_LOOPS. Default: ${DEFAULT-VALUE}.")
    int eventLoops;

    @Option(names = "--transport", paramLabel = "NAME", defaultValue = "${env:PUSHLINE_TRANSPORT:-auto}",
            description = "The event loops' socket layer: auto (epoll on Linux, else NIO), epoll, io_uring or nio. "
                    + "io_uring spent about 12% less CPU per push in the project's benchmarks; the node refuses to "
                    + "start when the kernel or its sandbox does not allow it. Env: PUSHLINE_TRANSPORT. "
                    + "Default: ${DEFAULT-VALUE}.")
    String transport = "auto";

    public EventLoopOptions() {
    }

    public static EventLoopOptions of(int eventLoops) {
        return of(eventLoops, "auto");
    }

    public static EventLoopOptions of(int eventLoops, String transport) {
        EventLoopOptions o = new EventLoopOptions();
        o.eventLoops = eventLoops;
        o.transport = transport;
        return o.validate();
    }

    public EventLoopOptions validate() {
        if (eventLoops < 0) {
            throw new IllegalArgumentException("--event-loops (PUSHLINE_EVENT_LOOPS) must be 0 (one per core) or more, got "
                    + eventLoops);
        }
        Transport chosen = transport();
        if (!chosen.isAvailable()) {
            throw new IllegalArgumentException("--transport (PUSHLINE_TRANSPORT) " + chosen.optionName()
                    + " is not available on this host: " + chosen.unavailabilityCause() + "; use auto");
        }
        return this;
    }

    /** @throws IllegalArgumentException naming the choices when the name is none of them */
    public Transport transport() {
        try {
            return Transport.named(transport);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--transport (PUSHLINE_TRANSPORT): " + e.getMessage());
        }
    }

    public int threads() {
        return eventLoops == PER_CORE ? Runtime.getRuntime().availableProcessors() : eventLoops;
    }

    /** Starts the loops; the caller closes them. */
    public EventLoops create(String name) {
        return EventLoops.create(transport(), threads(), name);
    }
}
