package io.pushline.ingest;

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

/** {@code java -jar pushline-ingest.jar}: the text port of a multi-node deployment (Redis required). */
@Command(name = "pushline-ingest", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Takes JSON push lines over TCP, publishes them through Redis and answers ok or fail.")
public final class IngestMain implements Callable<Integer> {

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
        return ServiceRunner.run("pushline-ingest", () -> {
            redis.validateRequired("a standalone ingest");
            ingest.validate();
            loops.validate();
            admin.validate();
            IngestServer server = new IngestServer(ingest, loops, l -> RedisBroker.publisher(redis, "ingest-" + ProcessHandle.current().pid(), l));
            PrometheusMeterRegistry registry = Metrics.newRegistry();
            IngestMetrics.bind(registry, server);
            return AdminServer.around(server, admin, registry, List.of(BrokerMetrics.readiness(server.broker())));
        });
    }

    public static void main(String[] args) {
        LeakSampling.forServers();
        int code = new CommandLine(new IngestMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
