package io.pushline.common.netty;

import picocli.CommandLine.Option;

/** How many event loops a process runs: one per core unless told otherwise. */
public final class EventLoopOptions {

    /** The value that means one loop per core. */
    public static final int PER_CORE = 0;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "${env:PUSHLINE_EVENT_LOOPS:-" + PER_CORE + "}",
            description = "Event-loop threads of this process, shared by its listeners and its Redis client; 0: one per "
                    + "core. Fewer loops hand fewer pushes from thread to thread, more loops use more cores. "
                    + "Env: PUSHLINE_EVENT_LOOPS. Default: ${DEFAULT-VALUE}.")
    int eventLoops;

    public EventLoopOptions() {
    }

    public static EventLoopOptions of(int eventLoops) {
        EventLoopOptions o = new EventLoopOptions();
        o.eventLoops = eventLoops;
        return o.validate();
    }

    public EventLoopOptions validate() {
        if (eventLoops < 0) {
            throw new IllegalArgumentException("--event-loops (PUSHLINE_EVENT_LOOPS) must be 0 (one per core) or more, got "
                    + eventLoops);
        }
        return this;
    }

    public int threads() {
        return eventLoops == PER_CORE ? Runtime.getRuntime().availableProcessors() : eventLoops;
    }

    /** Starts the loops; the caller closes them. */
    public EventLoops create(String name) {
        return EventLoops.create(threads(), name);
    }
}
