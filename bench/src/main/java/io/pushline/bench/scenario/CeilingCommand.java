package io.pushline.bench.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pushline.bench.BenchException;
import io.pushline.bench.RedisEndpoint;
import io.pushline.bench.Report;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The Redis PUBLISH ceiling, measured with redis-benchmark. */
@Command(name = "ceiling", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Redis PUBLISH ceiling with redis-benchmark, at the push payload size.",
        "Runs 'redis-benchmark -h HOST -p PORT -c C -P P -n N --csv PUBLISH <channel> <payload>' (redis-benchmark "
            + "from PATH, Debian package redis-tools) with a payload of --payload-bytes, and reports its requests/s: "
            + "the PUBLISH rate this Redis sustains, the ceiling for a server doing one PUBLISH per push. The channel "
            + "has no subscriber.",
        "Prints a summary and one JSON line {\"scenario\":\"ceiling\",...}."})
public final class CeilingCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--redis", defaultValue = "127.0.0.1:6379", paramLabel = "HOST:PORT|SOCKET",
      converter = RedisEndpoint.Converter.class,
      description = "Redis to measure; a path (/...) is its unix socket (default: ${DEFAULT-VALUE}).")
  RedisEndpoint redis;

  @Option(names = "--concurrency", defaultValue = "16", paramLabel = "C",
      description = "redis-benchmark -c: parallel connections (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--pipeline", defaultValue = "1", paramLabel = "P",
      description = "redis-benchmark -P: requests in flight per connection (default: ${DEFAULT-VALUE}).")
  int pipeline;

  @Option(names = "--requests", defaultValue = "200000", paramLabel = "N",
      description = "redis-benchmark -n: total requests (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--payload-bytes", defaultValue = "64", paramLabel = "BYTES",
      description = "PUBLISH message size, same as the pushes (default: ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--channel", defaultValue = "bench-ceiling", paramLabel = "NAME",
      description = "Channel to PUBLISH to (default: ${DEFAULT-VALUE}).")
  String channel;

  @Option(names = "--redis-benchmark", defaultValue = "redis-benchmark", paramLabel = "PATH",
      description = "redis-benchmark executable (default: ${DEFAULT-VALUE}, from PATH).")
  String redisBenchmark;

  @Option(names = "--timeout", defaultValue = "300s", paramLabel = "DURATION",
      description = "Kill redis-benchmark after this long (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--json-only", description = "Print only the JSON line on stdout (no human summary).")
  boolean jsonOnly;

  @Override
  public Integer call() {
    if (concurrency <= 0 || pipeline <= 0 || requests <= 0 || payloadBytes <= 0) {
      throw new BenchException("--concurrency, --pipeline, --requests and --payload-bytes must be > 0");
    }
    RedisCeiling.Result r = RedisCeiling.run(redisBenchmark, redis, concurrency, pipeline, requests, payloadBytes,
        channel, timeout);
    Report report = new Report("ceiling");
    ObjectNode j = report.json();
    j.put("redis", redis.toString());
    j.put("concurrency", concurrency);
    j.put("pipeline", pipeline);
    j.put("requests", requests);
    j.put("payloadBytes", payloadBytes);
    j.put("publishPerSec", Report.round3(r.requestsPerSecond()));
    j.put("avgMs", r.avgLatencyMs());
    j.put("p50Ms", r.p50LatencyMs());
    j.put("p99Ms", r.p99LatencyMs());
    report.line("ceiling: redis-benchmark PUBLISH %s (%d-byte payload) against %s, -c %d -P %d -n %d", channel,
        payloadBytes, redis, concurrency, pipeline, requests);
    report.line("  %,.1f PUBLISH/s, latency avg %.3f ms, p50 %.3f ms, p99 %.3f ms", r.requestsPerSecond(),
        r.avgLatencyMs(), r.p50LatencyMs(), r.p99LatencyMs());
    report.print(spec.commandLine().getOut(), jsonOnly);
    return 0;
  }
}
