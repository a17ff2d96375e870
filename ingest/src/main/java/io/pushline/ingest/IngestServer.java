package io.pushline.ingest;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.pushline.broker.Broker;
import io.pushline.common.netty.ConnectionLimit;
import io.pushline.common.netty.Listeners;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.common.netty.EventLoops;
import io.pushline.ingest.guard.IngestGuard;
import io.pushline.ingest.line.IngestStats;
import io.pushline.ingest.line.PublishBudgets;
import io.pushline.ingest.line.PushLineHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A running ingest: owns its event loops, its listener and its broker (a publishing-only node), and closes them
 * in reverse order. On close it stops accepting, lets lines already read get their reply, then releases the
 * broker.
 */
public final class IngestServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);
    /** The longest a stop waits for lines in flight: Redis answers or times out long before. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final Broker broker;
    private final IngestStats stats = new IngestStats();
    private final IngestGuard guard;
    private final EventLoops loops;
    private final boolean ownsLoops;
    private final Channel listener;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final IngestInitializer initializer;

    /**
     * Starts an ingest on event loops of its own, which it closes with itself.
     *
     * @param brokerFactory makes the publishing broker on this ingest's loops
     * @throws io.pushline.common.config.StartupException when the port cannot be bound
     */
    public IngestServer(IngestOptions options, Function<EventLoops, Broker> brokerFactory) {
        this(options, EventLoopOptions.of(EventLoopOptions.PER_CORE), brokerFactory);
    }

    /** Starts an ingest on {@code loops.threads()} event loops of its own, which it closes with itself. */
    public IngestServer(IngestOptions options, EventLoopOptions loops, Function<EventLoops, Broker> brokerFactory) {
        this(options, loops.create("ingest"), true, brokerFactory);
    }

    /** Starts an ingest on borrowed event loops; the caller closes them, after this ingest. */
    public IngestServer(IngestOptions options, EventLoops loops, Function<EventLoops, Broker> brokerFactory) {
        this(options, loops, false, brokerFactory);
    }

    private IngestServer(IngestOptions options, EventLoops loops, boolean ownsLoops, Function<EventLoops, Broker> brokerFactory) {
        this.loops = loops;
        this.ownsLoops = ownsLoops;
        try {
            this.guard = new IngestGuard(options.guard());
            this.broker = brokerFactory.apply(loops);
        } catch (RuntimeException e) {
            releaseLoops();
            throw e;
        }
        ServerBootstrap bootstrap = loops.transport().serverBootstrap(loops.group())
                .childHandler(initializer = new IngestInitializer(options, broker, stats, guard, loops.size()));
        try {
            this.listener = Listeners.bind(bootstrap, options.host(), options.port(), "ingest lines");
        } catch (RuntimeException e) {
            broker.close();
            releaseLoops();
            throw e;
        }
        log.info("pushline-ingest listening for lines on {}:{} ({}, max line {} bytes, max fan-out {} bytes a line, "
                        + "{} publishes and {} bytes pending per loop, max {} connections, {}, {} transport, {} event loops{})",
                options.host(), port(), broker.describe(), options.maxLineLength(), options.maxFanoutBytes(),
                options.maxPendingPublishes(), initializer.budgets().maxBytesPerLoop(), options.maxConnections(), guard.describe(),
                loops.transport().optionName(), loops.size(), ownsLoops ? "" : " shared");
    }

    private void releaseLoops() {
        if (ownsLoops) {
            loops.close();
        }
    }

    public int port() {
        return Listeners.port(listener);
    }

    public IngestStats stats() {
        return stats;
    }

    public Broker broker() {
        return broker;
    }

    /** Open connections and refusals at the cap. */
    public ConnectionLimit connections() {
        return initializer.limit();
    }

    /** Publishes and their bytes awaiting Redis, per event loop, and the connections waiting for them. */
    public PublishBudgets pending() {
        return initializer.budgets();
    }

    /** Refusals by the allow-list, the AUTH line and the rate limit. */
    public IngestGuard guard() {
        return guard;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return; // closed already, or closing on another thread (a shutdown hook and a test, say)
        }
        listener.close().syncUninterruptibly();
        // Drain: every connection stops reading, answers the lines it has read (a slow Redis answers or times
        // out within the command timeout), then closes itself. A quiet period alone would cut replies short.
        ChannelGroup open = initializer.openConnections();
        int draining = open.size();
        ChannelGroupFuture closed = open.newCloseFuture();
        for (Channel ch : open) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(PushLineHandler.DRAIN));
        }
        if (!closed.awaitUninterruptibly(DRAIN_TIMEOUT.toMillis())) {
            log.warn("pushline-ingest: {} of {} connections still had lines awaiting Redis after {} ms; closing them",
                    open.size(), draining, DRAIN_TIMEOUT.toMillis());
        }
        for (Channel ch : open) {
            ch.close(); // the ones the drain timed out on; with borrowed loops nobody else would close them
        }
        broker.close(); // before the loops: its Redis client runs on them
        releaseLoops();
        log.info("pushline-ingest stopped; drained {} connections", draining);
    }
}
