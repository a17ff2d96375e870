package io.pushline.common.admin;

/**
 * One condition a node must meet to take traffic, for example "the broker's pub/sub connection is live".
 * Called on the admin event loop: implementations read state, they never block.
 */
public interface ReadinessCheck {

    /** Short name shown in the readiness answer, e.g. {@code broker}. */
    String name();

    /** Null when ready; otherwise why not, in words an operator can act on. */
    String problem();
}
