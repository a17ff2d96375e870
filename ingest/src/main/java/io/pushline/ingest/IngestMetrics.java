package io.pushline.ingest;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pushline.broker.BrokerMetrics;
import io.pushline.common.netty.ConnectionLimit;

/** The ingest's state as meters an operator would graph. */
public final class IngestMetrics {

    private IngestMetrics() {
    }

    public static void bind(MeterRegistry registry, IngestServer ingest) {
        ingest.stats().bindTo(registry);
        ConnectionLimit c = ingest.connections();
        Gauge.builder("pushline_ingest_connections", c, ConnectionLimit::open).description("open ingest connections").register(registry);
        FunctionCounter.builder("pushline_ingest_connections_refused", c, ConnectionLimit::refused)
                .description("connections refused at --ingest-max-connections").register(registry);
        BrokerMetrics.bind(registry, ingest.broker(), "ingest");
    }
}
