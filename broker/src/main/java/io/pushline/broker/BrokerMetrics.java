package io.pushline.broker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.admin.ReadinessCheck;

/** A broker's health as meters and as a readiness check, for the service ({@code gateway}, {@code ingest}) using it. */
public final class BrokerMetrics {

    private BrokerMetrics() {
    }

    public static void bind(MeterRegistry registry, Broker broker, String service) {
        Gauge.builder("pushline_broker_healthy", broker, b -> b.isHealthy() ? 1 : 0).tag("service", service)
                .description("1 while the broker is reachable and this node's subscriptions are live").register(registry);
        if (broker instanceof RedisBroker redis) {
            Gauge.builder("pushline_redis_publish_circuit_open", redis, r -> r.publishCircuitState() == CircuitBreaker.State.CLOSED ? 0 : 1)
                    .tag("service", service)
                    .description("1 while the publish circuit breaker refuses or probes (Redis failing)").register(registry);
            Gauge.builder("pushline_redis_subscribed_uids", redis, RedisBroker::subscribedUids).tag("service", service)
                    .description("uids this node is subscribed to in Redis").register(registry);
            Gauge.builder("pushline_redis_presence_writes_queued", redis, RedisBroker::presenceWritesQueued).tag("service", service)
                    .description("joins and leaves of pages waiting to be written to Redis, or written and unanswered "
                            + "(a burst of pages leaving waits here rather than in Redis)").register(registry);
            Gauge.builder("pushline_redis_presence_refresh_seconds", redis, RedisBroker::lastPresenceRefreshSeconds)
                    .tag("service", service)
                    .description("how long the last presence refresh of every uid held took (compare with a third of the "
                            + "presence TTL, its period)").register(registry);
            FunctionCounter.builder("pushline_redis_presence_refresh_overruns", redis, RedisBroker::presenceRefreshOverruns)
                    .tag("service", service)
                    .description("refresh ticks that found the previous presence refresh still running").register(registry);
            FunctionCounter.builder("pushline_redis_uid_resyncs", redis, RedisBroker::uidResyncs).tag("service", service)
                    .description("uids re-synced alone (subscriptions and presence) after one of their commands failed "
                            + "while Redis answered (a timeout, OOM), instead of a re-sync of every uid").register(registry);
            FunctionCounter.builder("pushline_redis_resyncs", redis, RedisBroker::resyncs).tag("service", service)
                    .description("re-syncs of every uid this node holds (after a lost connection, or a uid's command "
                            + "that failed again and again), retries included; the node is not ready during one").register(registry);
        }
    }

    public static ReadinessCheck readiness(Broker broker) {
        return new ReadinessCheck() {
            @Override
            public String name() {
                return "broker";
            }

            @Override
            public String problem() {
                return broker.isHealthy() ? null : broker.describe() + " is not healthy (unreachable, reconnecting or re-syncing)";
            }
        };
    }
}
