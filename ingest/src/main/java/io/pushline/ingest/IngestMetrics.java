package io.pushline.ingest;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pushline.broker.BrokerMetrics;
import io.pushline.common.netty.ConnectionLimit;
import io.pushline.ingest.guard.IngestGuardStats;
import io.pushline.ingest.line.PublishBudgets;

import java.util.function.ToDoubleFunction;

/** The ingest's state as meters an operator would graph. */
public final class IngestMetrics {

    private IngestMetrics() {
    }

    private static void refused(MeterRegistry registry, String reason, IngestGuardStats stats, ToDoubleFunction<IngestGuardStats> count) {
        FunctionCounter.builder("pushline_ingest_guard_refusals", stats, count).tag("reason", reason)
                .description("connections or lines refused by the ingest's guards, by reason").register(registry);
    }

    public static void bind(MeterRegistry registry, IngestServer ingest) {
        ingest.stats().bindTo(registry);
        ConnectionLimit c = ingest.connections();
        Gauge.builder("pushline_ingest_connections", c, ConnectionLimit::open).description("open ingest connections").register(registry);
        FunctionCounter.builder("pushline_ingest_connections_refused", c, ConnectionLimit::refused)
                .description("connections refused at --ingest-max-connections").register(registry);
        PublishBudgets pending = ingest.pending();
        Gauge.builder("pushline_ingest_pending_publishes", pending, PublishBudgets::pendingPublishes)
                .description("publishes awaiting Redis (a line counts once per target uid)").register(registry);
        Gauge.builder("pushline_ingest_pending_bytes", pending, PublishBudgets::pendingBytes)
                .description("bytes of publishes awaiting Redis (a line's length once per target uid)").register(registry);
        Gauge.builder("pushline_ingest_connections_waiting", pending, PublishBudgets::waitingConnections)
                .description("connections not read because their event loop's pending budget is spent").register(registry);
        IngestGuardStats guard = ingest.guard().stats();
        refused(registry, "address", guard, IngestGuardStats::addressRefusedCount);
        refused(registry, "auth", guard, IngestGuardStats::authFailedCount);
        refused(registry, "rate_limit", guard, IngestGuardStats::rateLimitedCount);
        BrokerMetrics.bind(registry, ingest.broker(), "ingest");
    }
}
