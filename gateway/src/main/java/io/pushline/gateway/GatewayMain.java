package io.pushline.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pushline.broker.BrokerMetrics;
import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.admin.AdminOptions;
import io.pushline.common.admin.AdminServer;
import io.pushline.common.admin.Metrics;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.ServiceRunner;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.common.netty.LeakSampling;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code java -jar pushline-gateway.jar}: one gateway node of a multi-node deployment (Redis required). */
@Command(name = "pushline-gateway", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Holds browser WebSocket connections and delivers pushes brokered through Redis.")
public final class GatewayMain implements Callable<Integer> {

    @Mixin
    GatewayOptions gateway;
    @Mixin
    RedisOptions redis;
    @Mixin
    EventLoopOptions loops;
    @Mixin
    AdminOptions admin;

    @Override
    public Integer call() {
        return ServiceRunner.run("pushline-gateway", () -> {
            redis.validateRequired("a standalone gateway");
            gateway.validate();
            loops.validate();
            admin.validate();
            GatewayServer server = new GatewayServer(gateway, loops, (listener, l) -> new RedisBroker(redis, gateway.nodeId(), listener, l));
            PrometheusMeterRegistry registry = Metrics.newRegistry();
            GatewayMetrics.bind(registry, server);
            return AdminServer.around(server, admin, registry, List.of(BrokerMetrics.readiness(server.broker())));
        });
    }

    public static void main(String[] args) {
        LeakSampling.forServers();
        int code = new CommandLine(new GatewayMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
