package io.pushline.broker.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.StartupException;
import io.pushline.common.netty.EventLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce machinery of one node: client resources, and per event loop (a lane) a client bound to that loop with
 * its command connection; a gateway opens a pub/sub connection per lane too. Keeps them bounded by the same options,
 * owns them and closes them in reverse order.
 */
final class RedisConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    /** Keys are names (UTF-8 strings); values are payload bytes that must never go through a String. */
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** Commands Lettuce may hold for one connection before it refuses more: the memory bound during a slow Redis. */
    static final int MAX_QUEUED_COMMANDS = 65_536;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Lettuce's default back-off grows to 30 s; a push system must be back within seconds of Redis. */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(2);
    static final Duration KEEPALIVE_IDLE = Duration.ofSeconds(5);
    static final Duration KEEPALIVE_INTERVAL = Duration.ofSeconds(2);
    static final int KEEPALIVE_PROBES = 3;
    static final Duration TCP_USER_TIMEOUT = Duration.ofSeconds(10);

    /** Lettuce's timers and this node's presence refresh; shared by the lanes' clients. */
    final ClientResources resources;
    /** Per lane: a client whose every connection runs on that lane's loop (see {@link BorrowedLoop}), and its resources. */
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<ClientResources> laneResources = new ArrayList<>();
    /** Per lane: its command connection. */
    final List<StatefulRedisConnection<String, byte[]>> commands = new ArrayList<>();
    private final RedisURI uri;
    /** Whether the lanes' connections run on the node's own loops, or on Lettuce's threads (see {@link BorrowedLoop}). */
    final boolean onNodeLoops;

    /** @param loops the node's event loops: one lane per loop */
    RedisConnections(RedisOptions options, EventLoops loops) {
        this.uri = RedisURI.create(options.url());
        LettuceTransport.follow(loops.transport(), uri.getSocket() != null);
        // The URI's timeout also bounds the connection handshake, which a cold JVM on a busy machine can take
        // longer than a command should: the handshake gets the connect timeout, commands their own (below).
        uri.setTimeout(CONNECT_TIMEOUT);
        EventLoopGroupProvider fallback = new DefaultEventLoopGroupProvider(loops.size());
        this.resources = ClientResources.builder()
                .eventLoopGroupProvider(fallback)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.equalJitter(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 100, TimeUnit.MILLISECONDS))
                .build();
        this.onNodeLoops = BorrowedLoop.compatible(loops);
        if (!onNodeLoops) {
            log.info("redis: Lettuce's transport ({}) differs from the node's ({}); Lettuce runs on threads of its own",
                    Transports.socketChannelClass().getSimpleName(), loops.transport());
        }
        ClientOptions clientOptions = ClientOptions.builder()
                .autoReconnect(true)
                // While Redis is down, fail at once rather than queue: a push replayed after an outage is a
                // late, unexpected push, and a queue would grow with the outage.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                .socketOptions(socketOptions(uri))
                .build();
        for (int lane = 0; lane < loops.size(); lane++) {
            // mutate() shares the timers and threads of the node's resources; only the loop differs per lane.
            ClientResources onLoop = resources.mutate().eventLoopGroupProvider(new BorrowedLoop(loops, lane, fallback)).build();
            laneResources.add(onLoop);
            RedisClient client = RedisClient.create(onLoop, uri);
            client.setOptions(clientOptions);
            clients.add(client);
        }
        try {
            for (RedisClient client : clients) {
                commands.add(client.connect(CODEC, uri));
            }
        } catch (RuntimeException e) {
            close();
            throw StartupException.of("cannot connect to Redis at " + options.masked(), e);
        }
    }

    /**
     * A TCP connection gets keepalive and a user timeout: a peer that vanishes (a network black hole drops packets)
     * is found by the kernel within seconds, not the default two hours, and Lettuce reconnects. A unix socket
     * ({@code redis-socket://}) has no such options (Netty would warn about each) and needs none: when Redis goes,
     * the kernel closes it at once.
     */
    static SocketOptions socketOptions(RedisURI uri) {
        SocketOptions.Builder options = SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT);
        if (uri.getSocket() != null) {
            // Lettuce 7 turns keepalive on by default, and would set its TCP options on the unix socket too.
            return options.keepAlive(SocketOptions.KeepAliveOptions.builder().enable(false).build()).build();
        }
        return options.tcpNoDelay(true)
                .keepAlive(SocketOptions.KeepAliveOptions.builder().enable()
                        .idle(KEEPALIVE_IDLE).interval(KEEPALIVE_INTERVAL).count(KEEPALIVE_PROBES).build())
                .tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable().tcpUserTimeout(TCP_USER_TIMEOUT).build())
                .build();
    }

    int lanes() {
        return clients.size();
    }

    /** Opens a pub/sub connection on {@code lane}'s loop (at start, and to replace one that stopped receiving). */
    CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> connectPubSub(int lane) {
        return clients.get(lane).connectPubSubAsync(CODEC, uri).toCompletableFuture();
    }

    @Override
    public void close() {
        commands.forEach(StatefulRedisConnection::close);
        clients.forEach(client -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        // A lane's resources share everything with the node's; shut down, they let go of nothing but themselves
        // (Lettuce warns about resources that were never shut down).
        laneResources.forEach(r -> r.shutdown(0, 2, TimeUnit.SECONDS));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
