package io.pushline.broker.redis;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Fails publishes at once while Redis is failing, instead of letting every line wait for its timeout, and lets
 * a few through after a second to find out whether Redis is back; it closes again by itself when they succeed.
 * A refused call never reaches Redis, so nothing is queued to be replayed late.
 */
final class PublishBreaker {

    private static final Logger log = LoggerFactory.getLogger(PublishBreaker.class);

    static final int WINDOW_CALLS = 50;
    static final int MIN_CALLS = 10;
    static final float FAILURE_PERCENT = 50;
    static final Duration OPEN_FOR = Duration.ofSeconds(1);
    static final int PROBE_CALLS = 5;

    private final CircuitBreaker breaker;

    PublishBreaker(String name) {
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindow(WINDOW_CALLS, MIN_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(FAILURE_PERCENT)
                .waitDurationInOpenState(OPEN_FOR)
                .permittedNumberOfCallsInHalfOpenState(PROBE_CALLS)
                .writableStackTraceEnabled(false)
                .build());
        // Two lines per outage, not two per second: while Redis stays down the circuit probes (open -> half-open ->
        // open) every OPEN_FOR, which is not news.
        breaker.getEventPublisher().onStateTransition(e -> {
            CircuitBreaker.State from = e.getStateTransition().getFromState();
            CircuitBreaker.State to = e.getStateTransition().getToState();
            if (from == CircuitBreaker.State.CLOSED && to == CircuitBreaker.State.OPEN) {
                log.warn("redis publish circuit {}: open: at least {}% of the last publishes failed; lines get fail at once "
                        + "until a probe succeeds (every {} ms)", name, (int) FAILURE_PERCENT, OPEN_FOR.toMillis());
            } else if (to == CircuitBreaker.State.CLOSED) {
                log.info("redis publish circuit {}: closed: Redis answers again", name);
            } else {
                log.debug("redis publish circuit {}: {}", name, e.getStateTransition());
            }
        });
    }

    <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> publish) {
        return CircuitBreaker.decorateCompletionStage(breaker, publish::get).get().toCompletableFuture();
    }

    CircuitBreaker.State state() {
        return breaker.getState();
    }

    static boolean isRefusal(Throwable e) {
        return e instanceof CallNotPermittedException || e.getCause() instanceof CallNotPermittedException;
    }
}
