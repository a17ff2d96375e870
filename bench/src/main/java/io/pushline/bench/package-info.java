/**
 * Pushline load generator: a picocli CLI ({@link io.pushline.bench.BenchMain}) whose subcommands measure any
 * implementation of the push contract (WebSocket port + ingest line port) through that public protocol only.
 *
 * <p>This package holds the CLI entry point and what every scenario shares: option converters, the report
 * (human summary + one JSON line) and process metrics (CPU time, RSS, the live heap of a server JVM). The wire clients live in
 * {@code io.pushline.bench.net}, the scenarios in {@code io.pushline.bench.scenario}, and the judgement of their
 * results against the targets in {@code io.pushline.bench.targets}.
 */
package io.pushline.bench;
