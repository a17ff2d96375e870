/**
 * Network address helpers shared by the gateway and the ingest: CIDR lists (allow-lists, trusted proxies),
 * loopback detection, and TLS contexts from PEM files.
 */
package io.pushline.common.net;
