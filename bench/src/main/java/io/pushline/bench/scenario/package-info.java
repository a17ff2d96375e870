/**
 * The benchmark scenarios, one picocli subcommand each: {@code throughput}, {@code latency},
 * {@code connections}, {@code broadcast} and {@code ceiling}, plus what they share (options, the delivery
 * tracker that finds lost pushes, the redis-benchmark runner).
 */
package io.pushline.bench.scenario;
