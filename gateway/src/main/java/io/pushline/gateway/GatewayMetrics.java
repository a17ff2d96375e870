package io.pushline.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pushline.broker.BrokerMetrics;
import io.pushline.gateway.auth.TokenSessionHandler;
import io.pushline.gateway.guard.SecurityStats;
import io.pushline.gateway.session.LocalSessions;

import java.time.Duration;
import java.util.function.ToDoubleFunction;

/** The gateway's state as meters an operator would graph. Reads counters the sessions keep anyway. */
public final class GatewayMetrics {

    private GatewayMetrics() {
    }

    private static void refused(MeterRegistry registry, String reason, SecurityStats stats, ToDoubleFunction<SecurityStats> count) {
        FunctionCounter.builder("pushline_gateway_refused_connections", stats, count).tag("reason", reason)
                .description("connections refused or closed by the gateway's guards, by reason").register(registry);
    }

    public static void bind(MeterRegistry registry, GatewayServer gateway) {
        LocalSessions s = gateway.sessions();
        Gauge.builder("pushline_gateway_connections", s, LocalSessions::connections)
                .description("WebSocket connections bound to a uid").register(registry);
        Gauge.builder("pushline_gateway_online_uids", s, LocalSessions::uids)
                .description("distinct uids with at least one connection on this node").register(registry);
        FunctionCounter.builder("pushline_gateway_frames_delivered", s, LocalSessions::framesDelivered)
                .description("push frames written to connections").register(registry);
        FunctionCounter.builder("pushline_gateway_slow_consumers_closed", s, LocalSessions::slowConsumersClosed)
                .description("connections closed with 4429 for reading too slowly").register(registry);
        FunctionCounter.builder("pushline_gateway_outbox_overflows", s, LocalSessions::outboxOverflows)
                .description("broadcasts written to their remaining pages at once because too many pushes waited behind them").register(registry);
        FunctionCounter.builder("pushline_gateway_invalid_lines_dropped", s, LocalSessions::invalidLinesDropped)
                .description("published lines dropped because they were not valid UTF-8").register(registry);
        s.recordDeliveryLatency(Timer.builder("pushline_gateway_delivery_latency")
                .description("from the broker handing a line over to its frame written to the socket (sampled 1 in 16 frames)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry));
        SecurityStats sec = gateway.security().stats();
        refused(registry, "origin", sec, SecurityStats::originRefusedCount);
        refused(registry, "node_full", sec, SecurityStats::nodeFullCount);
        refused(registry, "per_ip_connections", sec, SecurityStats::perIpConnectionsCount);
        refused(registry, "per_ip_rate", sec, SecurityStats::perIpRateCount);
        refused(registry, "invalid_token", sec, SecurityStats::invalidTokenCount);
        refused(registry, "token_expired", sec, SecurityStats::tokenExpiredCount);
        FunctionCounter.builder("pushline_gateway_token_refreshes_dropped", sec, SecurityStats::refreshesDroppedCount)
                .description("text frames of bound pages in token mode not verified: more than "
                        + TokenSessionHandler.REFRESH_BURST + " at once, or more than one a second after that").register(registry);
        BrokerMetrics.bind(registry, gateway.broker(), "gateway");
    }
}
