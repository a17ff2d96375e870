/**
 * The seam between Pushline and its message bus: {@link io.pushline.broker.Broker}, with an in-memory
 * implementation for one process ({@code memory}) and a Redis one for many nodes ({@code redis}). Both pass one
 * contract test. {@link io.pushline.broker.Brokers} is the one place that picks between them.
 */
package io.pushline.broker;
