package io.pushline.common.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pushline.common.protocol.InvalidLineException.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the target of an ingest line without building a tree: it streams the tokens once, validating the whole
 * line as JSON (a browser receives the line byte for byte, so a line that its {@code JSON.parse} would reject
 * must be refused here, not delivered) and reading only the top-level {@code uid} and {@code broadcast} fields.
 *
 * <p>Accepted targets:
 * <ul>
 *   <li>{@code "uid": "uid1"} or {@code "uid": 123} (PHP's {@code json_encode} of an int): one uid;</li>
 *   <li>{@code "uid": ["a", "b", 3]}: several uids (at most {@value #MAX_UIDS});</li>
 *   <li>{@code "broadcast": true} with no {@code uid}: every connected client.</li>
 * </ul>
 * Thread-safe: the Jackson factory is shared, each call has its own parser.
 */
public final class PushLineParser {

    /** Most uids one line may address; a larger fan-out should be a broadcast or a group. */
    public static final int MAX_UIDS = 1_000;

    /** Deepest nesting accepted inside a line: far beyond any real payload, far below a stack overflow. */
    static final int MAX_NESTING_DEPTH = 64;

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .build();

    private PushLineParser() {
    }

    /** Parses {@code length} bytes of UTF-8 from {@code bytes} at {@code offset}. */
    public static PushTarget parse(byte[] bytes, int offset, int length) throws InvalidLineException {
        // Jackson decodes only the strings it is asked for, and even then admits encoded surrogates and overlong
        // forms, all of which a browser refuses in a text frame (1007): check the whole line strictly first.
        ByteBuf line = Unpooled.wrappedBuffer(bytes, offset, length);
        if (!ByteBufUtil.isText(line, StandardCharsets.UTF_8)) {
            throw new InvalidLineException(Reason.INVALID_UTF8, "the line is not valid UTF-8");
        }
        refuseOtherEncodings(line);
        try (JsonParser p = JSON.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidLineException(Reason.NOT_AN_OBJECT, "the line is not a JSON object");
            }
            List<String> uids = null;
            boolean broadcast = false;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("uid".equals(name)) {
                    uids = readUids(p, value);
                } else if ("broadcast".equals(name)) {
                    broadcast = value == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidLineException(Reason.INVALID_JSON, "the line is not one JSON object");
            }
            if (uids != null && broadcast) {
                throw new InvalidLineException(Reason.AMBIGUOUS_TARGET, "a line has either \"uid\" or \"broadcast\":true, not both");
            }
            if (broadcast) {
                return PushTarget.everyone();
            }
            if (uids == null) {
                throw new InvalidLineException(Reason.MISSING_UID, "the line has no \"uid\"");
            }
            return new PushTarget(uids, false);
        } catch (IOException e) {
            // Jackson reports malformed JSON, raw control characters (NUL included),
            // duplicate keys and excessive nesting as parse exceptions.
            throw new InvalidLineException(Reason.INVALID_JSON, "invalid JSON: " + firstLine(e.getMessage()));
        }
    }

    /**
     * Jackson's byte parser guesses the encoding from the first bytes: a UTF-8 byte-order mark, or the NUL bytes of
     * UTF-16 and UTF-32 text, make it decode the line as that, so {@code {"uid":"u"}} in UTF-16 passed as a push and
     * a page received NULs. The wire is UTF-8 only, and no valid JSON text holds a raw NUL (in a string it must be
     * escaped), so both are refused here, before Jackson guesses. The NUL search is Netty's word-at-a-time scan.
     */
    private static void refuseOtherEncodings(ByteBuf line) throws InvalidLineException {
        int start = line.readerIndex();
        int length = line.readableBytes();
        if (length >= UTF8_BOM.length && line.getByte(start) == UTF8_BOM[0] && line.getByte(start + 1) == UTF8_BOM[1]
                && line.getByte(start + 2) == UTF8_BOM[2]) {
            throw new InvalidLineException(Reason.INVALID_JSON, "the line starts with a byte-order mark; send UTF-8 without one");
        }
        int nul = line.indexOf(start, start + length, (byte) 0);
        if (nul >= 0) {
            throw new InvalidLineException(Reason.INVALID_JSON, "raw NUL byte at offset " + (nul - start)
                    + " (UTF-16 or UTF-32 text, or an unescaped NUL); send UTF-8 JSON");
        }
    }

    private static List<String> readUids(JsonParser p, JsonToken value) throws IOException, InvalidLineException {
        if (value != JsonToken.START_ARRAY) {
            return List.of(readUid(p, value));
        }
        // A set, not List.contains: a list of 1,000 uids cost half a million comparisons to check for duplicates.
        Set<String> uids = new LinkedHashSet<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String uid = readUid(p, t);
            if (uids.add(uid) && uids.size() > MAX_UIDS) {
                throw new InvalidLineException(Reason.TOO_MANY_UIDS, "more than " + MAX_UIDS + " uids in one line");
            }
        }
        if (uids.isEmpty()) {
            throw new InvalidLineException(Reason.MISSING_UID, "\"uid\" is an empty list");
        }
        return List.copyOf(uids);
    }

    private static String readUid(JsonParser p, JsonToken t) throws IOException, InvalidLineException {
        String uid;
        if (t == JsonToken.VALUE_STRING) {
            uid = p.getText();
        } else if (t == JsonToken.VALUE_NUMBER_INT) {
            uid = p.getText();
        } else {
            p.skipChildren();
            throw new InvalidLineException(Reason.INVALID_UID, "\"uid\" must be a string, an integer or a list of them");
        }
        if (!Uid.isValid(uid)) {
            throw new InvalidLineException(Reason.INVALID_UID, "uid is not " + Uid.describe());
        }
        return uid;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
