package io.pushline.common.config;

import io.pushline.common.redis.RedisNames;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;

/**
 * Where the broker is. With no Redis URL the all-in-one runs with its in-memory broker; the standalone
 * gateway and ingest require one.
 */
public final class RedisOptions {

    public static final Duration DEFAULT_PRESENCE_TTL = Duration.ofSeconds(30);
    public static final Duration MIN_PRESENCE_TTL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);

    @Option(names = "--redis-url", paramLabel = "URL", defaultValue = "${env:PUSHLINE_REDIS_URL}",
            description = "Redis to broker through, e.g. redis://host:6379, rediss://user:pass@host:6380/0, or "
                    + "redis-socket:///run/redis/redis.sock for a Redis on the same machine (a unix socket; Linux). "
                    + "Unset: the in-memory broker (single process only). Env: PUSHLINE_REDIS_URL.")
    String url;

    @Option(names = "--redis-prefix", paramLabel = "PREFIX", defaultValue = "${env:PUSHLINE_REDIS_PREFIX:-" + RedisNames.DEFAULT_PREFIX + "}",
            description = "Prefix of every Redis key and channel. Env: PUSHLINE_REDIS_PREFIX. Default: ${DEFAULT-VALUE}.")
    String prefix;

    @Option(names = "--presence-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_PRESENCE_TTL:-30s}",
            description = "How long a gateway's presence entries outlive it if it dies without cleaning up; it refreshes "
                    + "them every third of this. At least 1s. Env: PUSHLINE_PRESENCE_TTL. Default: ${DEFAULT-VALUE}.")
    Duration presenceTtl;

    @Option(names = "--redis-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_REDIS_TIMEOUT:-500ms}",
            description = "How long one Redis command may take before it counts as failed (an ingest line then gets fail). "
                    + "Env: PUSHLINE_REDIS_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration commandTimeout;

    public RedisOptions() {
    }

    /** Options built in code (tests, embedding). */
    public RedisOptions(String url, String prefix, Duration presenceTtl) {
        this.url = url;
        this.prefix = prefix;
        this.presenceTtl = presenceTtl;
        this.commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        validate();
    }

    /** Throws {@link IllegalArgumentException} naming the setting that is wrong. */
    public RedisOptions validate() {
        if (url != null && url.isBlank()) {
            url = null;
        }
        if (url != null) {
            String scheme = URI.create(url).getScheme();
            if (!"redis".equals(scheme) && !"rediss".equals(scheme) && !"redis-socket".equals(scheme)) {
                throw new IllegalArgumentException("--redis-url (PUSHLINE_REDIS_URL) must start with redis://, rediss:// or redis-socket://, got " + masked());
            }
        }
        try {
            new RedisNames(prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--redis-prefix (PUSHLINE_REDIS_PREFIX): " + e.getMessage(), e);
        }
        if (presenceTtl.compareTo(MIN_PRESENCE_TTL) < 0) {
            throw new IllegalArgumentException("--presence-ttl (PUSHLINE_PRESENCE_TTL) must be at least 1s, got " + DurationConverter.format(presenceTtl));
        }
        if (commandTimeout.isZero() || commandTimeout.isNegative()) {
            throw new IllegalArgumentException("--redis-timeout (PUSHLINE_REDIS_TIMEOUT) must be positive");
        }
        return this;
    }

    public boolean hasRedis() {
        return url != null;
    }

    /**
     * Validates, and throws {@link IllegalArgumentException} when no URL is set: for the standalone gateway and
     * ingest, which are nodes of a multi-node deployment and have no bus without Redis.
     *
     * @param role what requires it, for the message: "a standalone gateway"
     */
    public RedisOptions validateRequired(String role) {
        validate();
        if (!hasRedis()) {
            throw new IllegalArgumentException("--redis-url (PUSHLINE_REDIS_URL) is required for " + role
                    + "; for one process without Redis run pushline-all.jar");
        }
        return this;
    }

    public String url() {
        return url;
    }

    /** The URL with any password replaced by {@code ***}, for logs. */
    public String masked() {
        return mask(url);
    }

    public static String mask(String url) {
        if (url == null) {
            return "in-memory";
        }
        return url.replaceFirst("//([^:/@]*):[^@/]*@", "//$1:***@").replaceFirst("//([^:/@]+)@", "//***@");
    }

    public RedisNames names() {
        return new RedisNames(prefix);
    }

    public Duration presenceTtl() {
        return presenceTtl;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public RedisOptions withCommandTimeout(Duration timeout) {
        this.commandTimeout = timeout;
        return this;
    }
}
