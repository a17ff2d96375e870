package io.pushline.common.protocol;

import java.util.List;

/**
 * Who an ingest line is for: one uid, several uids, or every connected client.
 *
 * @param uids      the uids, in line order, without duplicates; empty for a broadcast
 * @param broadcast true when the line is for every connected client
 */
public record PushTarget(List<String> uids, boolean broadcast) {

    public PushTarget {
        uids = List.copyOf(uids);
        if (broadcast == !uids.isEmpty()) {
            throw new IllegalArgumentException("a target is either a broadcast or a non-empty uid list");
        }
    }

    public static PushTarget of(String uid) {
        return new PushTarget(List.of(uid), false);
    }

    public static PushTarget everyone() {
        return new PushTarget(List.of(), true);
    }
}
