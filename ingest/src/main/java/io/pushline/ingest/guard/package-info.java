/**
 * Who may push: an address allow-list checked on accept, an optional shared secret ({@code AUTH <secret>} as the
 * first line, simple for PHP), a per-connection line rate limit, and TLS. {@link io.pushline.ingest.guard.IngestGuard}
 * adds these to each connection's pipeline; {@link io.pushline.ingest.guard.IngestGuardStats} counts refusals.
 */
package io.pushline.ingest.guard;
