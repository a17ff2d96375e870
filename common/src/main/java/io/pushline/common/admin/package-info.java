/**
 * The admin port: Prometheus metrics and the liveness/readiness probes Kubernetes (or any load balancer) uses.
 * It runs on its own event loop, so a slow scrape never delays a push.
 */
package io.pushline.common.admin;
