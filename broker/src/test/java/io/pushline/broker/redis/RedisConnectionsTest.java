package io.pushline.broker.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisConnectionsTest {

    @Test
    void aTcpConnectionFindsAVanishedPeerWithinSecondsAndAUnixSocketGetsNoTcpOptions() {
        SocketOptions tcp = RedisConnections.socketOptions(RedisURI.create("redis://127.0.0.1:6379"));
        assertTrue(tcp.isKeepAlive());
        assertEquals(RedisConnections.KEEPALIVE_IDLE, tcp.getKeepAlive().getIdle());
        assertTrue(tcp.isEnableTcpUserTimeout());
        assertEquals(RedisConnections.TCP_USER_TIMEOUT, tcp.getTcpUserTimeout().getTcpUserTimeout());

        // Netty warns, for every connection and reconnect, about each TCP option set on a unix socket.
        SocketOptions unix = RedisConnections.socketOptions(RedisURI.create("redis-socket:///run/redis/redis.sock"));
        assertFalse(unix.isKeepAlive());
        assertFalse(unix.isEnableTcpUserTimeout());
        assertEquals(RedisConnections.CONNECT_TIMEOUT, unix.getConnectTimeout());
    }
}
