package io.pushline.common.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The ingest's two replies, as the seed's Workerman Text protocol sends them: the word and a {@code \n}.
 * {@code ok}: at least one target uid had a live WebSocket connection when the line was published;
 * {@code fail}: none had, or the line was refused, or the broker could not be reached in time.
 */
public final class Replies {

    public static final String OK_TEXT = "ok";
    public static final String FAIL_TEXT = "fail";

    private Replies() {
    }

    public static byte[] ok() {
        return (OK_TEXT + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] fail() {
        return (FAIL_TEXT + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
