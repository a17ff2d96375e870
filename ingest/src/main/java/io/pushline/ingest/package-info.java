/**
 * The ingest: the seed's inner text port. A backend writes one JSON line per push and reads {@code ok} or
 * {@code fail} back. {@link io.pushline.ingest.IngestMain} starts an {@link io.pushline.ingest.IngestServer}, whose
 * {@link io.pushline.ingest.IngestInitializer} assembles each connection's pipeline from the {@code line} package.
 */
package io.pushline.ingest;
