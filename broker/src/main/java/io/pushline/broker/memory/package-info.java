/** The in-memory broker of the single-process default: same semantics as Redis, no network. */
package io.pushline.broker.memory;
