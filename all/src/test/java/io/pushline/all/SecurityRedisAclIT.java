package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway and the ingest run under least-privilege Redis ACL users (the lines in docs/security.md), and the
 * ingest user cannot reach a key outside its patterns.
 */
class SecurityRedisAclIT {

    static final String HOST = "127.0.0.1";
    static final String PREFIX = "pushline";
    /**
     * Exactly the rules docs/security.md gives; the commands inside the Lua scripts are checked too. (Redis 7.2+ also
     * needs +client|setinfo, which the 7.0 of CI does not know.)
     */
    static final List<String> GATEWAY_RULES = List.of("on", ">gateway-pass", "resetkeys", "resetchannels",
            "~pushline:presence:*", "~pushline:node:*", "&pushline:*", "-@all",
            "+subscribe", "+unsubscribe", "+publish", "+evalsha", "+eval", "+zrem", "+sadd", "+srem", "+smembers",
            "+del", "+pexpire", "+ping", "+hello", "+client|setname",
            "+time", "+zremrangebyscore", "+zadd", "+zrange", "+pexpireat");
    static final List<String> INGEST_RULES = List.of("on", ">ingest-pass", "resetkeys", "resetchannels",
            "~pushline:presence:*", "&pushline:*", "-@all",
            "+exists", "+publish", "+ping", "+hello", "+client|setname");

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        setUser("pushline-gateway", GATEWAY_RULES);
        setUser("pushline-ingest", INGEST_RULES);
    }

    private static void setUser(String name, List<String> rules) {
        List<String> args = new ArrayList<>(List.of("ACL", "SETUSER", name, "reset"));
        args.addAll(rules);
        redis.command(args.toArray(String[]::new));
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisOptions as(String user, String password, String prefix) {
        return new RedisOptions("redis://" + user + ":" + password + "@" + HOST + ":" + redis.port(), prefix, Duration.ofSeconds(30));
    }

    @Test
    void aPushWorksEndToEndUnderTheLeastPrivilegeUsers() {
        redis.command("ACL", "LOG", "RESET");
        RedisOptions gatewayRedis = as("pushline-gateway", "gateway-pass", PREFIX);
        try (GatewayServer gateway = Nodes.gateway(gatewayRedis, "gw-acl");
             IngestServer ingest = Nodes.ingest(as("pushline-ingest", "ingest-pass", PREFIX));
             WsClient page = WsClient.connect(URI.create("ws://" + HOST + ":" + gateway.port() + "/?uid=acl-user"))) {
            Pages.awaitReady(page, "acl-user", HOST, ingest.port());
            try (LineClient php = LineClient.connect(HOST, ingest.port())) {
                assertEquals("ok", php.push("{\"uid\":\"acl-user\",\"m\":\"least privilege\"}"));
                assertEquals("ok", php.push("{\"broadcast\":true,\"m\":\"all\"}"));
            }
            assertEquals("{\"uid\":\"acl-user\",\"m\":\"least privilege\"}", Pages.next(page));
            assertEquals("{\"broadcast\":true,\"m\":\"all\"}", Pages.next(page));
        }
        assertEquals("[]", redis.command("ACL", "LOG"), "a service needed a command or key its ACL lacks");
    }

    @Test
    void theIngestUserCannotReachAKeyOutsideItsPatterns() {
        redis.command("ACL", "LOG", "RESET");
        // Another prefix stands for any key outside ~pushline:presence:*.
        try (IngestServer ingest = Nodes.ingest(as("pushline-ingest", "ingest-pass", "other"));
             LineClient php = LineClient.connect(HOST, ingest.port())) {
            assertEquals("fail", php.push("{\"uid\":\"acl-user\",\"m\":\"x\"}"));
        }
        String log = redis.command("ACL", "LOG");
        assertTrue(log.contains("pushline-ingest") && log.contains("other:presence:{acl-user}"), log);
    }
}
