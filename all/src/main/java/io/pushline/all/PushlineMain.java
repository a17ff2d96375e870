package io.pushline.all;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pushline.broker.BrokerMetrics;
import io.pushline.common.admin.AdminOptions;
import io.pushline.common.admin.AdminServer;
import io.pushline.common.admin.Metrics;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayMetrics;
import io.pushline.ingest.IngestMetrics;
import io.pushline.common.config.ServiceRunner;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.ingest.IngestOptions;
import org.slf4j.LoggerFactory;
import io.pushline.common.netty.LeakSampling;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code java -jar pushline-all.jar}: the seed's one process, in-memory unless a Redis URL is set. */
@Command(name = "pushline", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Pushes JSON lines from a backend (TCP, default 127.0.0.1:5678) to browser WebSockets (default :1234).",
                "Without --redis-url everything runs in this one process; with it, this is one node of many."})
public final class PushlineMain implements Callable<Integer> {

    @Mixin
    GatewayOptions gateway;
    @Mixin
    IngestOptions ingest;
    @Mixin
    RedisOptions redis;
    @Mixin
    EventLoopOptions loops;
    @Mixin
    AdminOptions admin;

    @Override
    public Integer call() {
        return ServiceRunner.run("pushline", () -> {
            redis.validate();
            gateway.validate();
            ingest.validate();
            if (!redis.hasRedis()) {
                LoggerFactory.getLogger(PushlineMain.class).info(
                        "pushline: no --redis-url (PUSHLINE_REDIS_URL): in-memory broker, this process is the whole system");
            }
            loops.validate();
            admin.validate();
            Pushline pushline = Pushline.start(redis, gateway, ingest, loops);
            PrometheusMeterRegistry registry = Metrics.newRegistry();
            GatewayMetrics.bind(registry, pushline.gateway());
            IngestMetrics.bind(registry, pushline.ingest());
            return AdminServer.around(pushline, admin, registry, List.of(BrokerMetrics.readiness(pushline.gateway().broker()),
                    BrokerMetrics.readiness(pushline.ingest().broker())));
        });
    }

    public static void main(String[] args) {
        LeakSampling.forServers();
        int code = new CommandLine(new PushlineMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
