package io.pushline.common.redis;

import io.pushline.common.protocol.Uid;

import java.nio.charset.StandardCharsets;

/**
 * Every Redis key and channel name, built from one configurable prefix so several Pushline deployments (and
 * every integration test) can share one Redis without colliding.
 *
 * <ul>
 *   <li>{@code <prefix>:user:{<uid>}}: the channel a uid's pushes are published on; an operator can
 *       {@code PUBLISH} to it by hand.</li>
 *   <li>{@code <prefix>:presence:{<uid>}}: a sorted set, member = gateway node id, score = the time (Redis
 *       clock, epoch ms) until which that node vouches for the uid. The uid is online while a score is in the
 *       future.</li>
 *   <li>{@code <prefix>:broadcast}: the channel for lines addressed to every connected client.</li>
 *   <li>{@code <prefix>:node:{<node>}:uids}: a set of the uids a gateway node holds, so that a node restarted
 *       with the same id can withdraw the presence its previous life left behind.</li>
 *   <li>{@code <prefix>:node:{<node>}:canary}: a channel a node publishes to itself to prove its pub/sub
 *       connection still receives.</li>
 * </ul>
 * The uid is a hash tag ({@code {uid}}), so a uid's channel and presence key live in one Redis Cluster slot and
 * a single script may touch both. {@link Uid} forbids braces, so a uid cannot break out of its tag.
 *
 * <p>Immutable and thread-safe.
 */
public final class RedisNames {

    public static final String DEFAULT_PREFIX = "pushline";

    private final String prefix;
    private final String userChannelStart;
    private final String broadcastChannel;

    public RedisNames(String prefix) {
        if (prefix == null || prefix.isEmpty() || !prefix.chars().allMatch(RedisNames::prefixChar)) {
            throw new IllegalArgumentException("redis prefix must be non-empty and use only A-Z a-z 0-9 _ - . :, got '" + prefix + "'");
        }
        this.prefix = prefix;
        this.userChannelStart = prefix + ":user:{";
        this.broadcastChannel = prefix + ":broadcast";
    }

    private static boolean prefixChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':';
    }

    public String prefix() {
        return prefix;
    }

    public String userChannel(String uid) {
        return userChannelStart + uid + '}';
    }

    public String presenceKey(String uid) {
        return prefix + ":presence:{" + uid + '}';
    }

    public String broadcastChannel() {
        return broadcastChannel;
    }

    public String nodeUidsKey(String nodeId) {
        return prefix + ":node:{" + nodeId + "}:uids";
    }

    public String canaryChannel(String nodeId) {
        return prefix + ":node:{" + nodeId + "}:canary";
    }

    /** The pattern matching every presence key, for SCAN. */
    public String presenceKeyPattern() {
        return prefix + ":presence:*";
    }

    /**
     * The uid of a user channel name, or {@code null} when {@code channel} is not one (for example the broadcast
     * channel).
     */
    public String uidOfUserChannel(String channel) {
        if (!channel.startsWith(userChannelStart) || !channel.endsWith("}")) {
            return null;
        }
        String uid = channel.substring(userChannelStart.length(), channel.length() - 1);
        return Uid.isValid(uid) ? uid : null;
    }

    public static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
