package io.pushline.ingest.line;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.protocol.InvalidLineException;
import io.pushline.common.protocol.PushLineParser;
import io.pushline.common.protocol.PushTarget;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded-time mutation fuzzer of the whole ingest line path (decoder, parser, handler, memory broker). Streams
 * are built from fragments that stress framing and parsing (valid lines, CR/LF in odd places, invalid UTF-8,
 * NUL, deep nesting, over-long runs), cut into random chunks, and fed in. Oracles: every newline-terminated
 * line gets exactly one reply, in order; a line is published iff it is within the limit, parses, and names an
 * online uid; what is published is the line byte for byte; nothing escapes the pipeline. The seed is printed so
 * a failure can be replayed with {@code -Dfuzz.seed=N}.
 */
class PushLineFuzzTest {

    private static final int MAX_LINE = 256;
    private static final long BUDGET_NANOS = Long.getLong("fuzz.millis", 3_000L) * 1_000_000L;
    private static final Set<String> ONLINE = Set.of("a", "uid1", "123");
    private static final String[] FRAGMENTS = {
            "{\"uid\":\"a\"}", "{\"uid\":\"uid1\",\"percent\":\"88%\"}", "{\"uid\":123}", "{\"uid\":[\"a\",\"zz\"]}",
            "{\"uid\":\"zz\"}", "{\"broadcast\":true}", "{\"uid\":\"a\",\"n\":[1,{\"x\":null}]}", "{", "}", "[", "]", "\"",
            "\\", ",", ":", "\"uid\"", "null", "1.5", "-7", "\r", "\n", "\r\n", "\n\n", " ", "\t", "\u0000", "\u00e9", "\u4e16",
            "\ud83d\ude00", "x".repeat(300), "[".repeat(80), "\"uid\":\"a\"",
    };
    private static final byte[][] RAW = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}};

    @Test
    void everyLineGetsExactlyOneReplyAndOnlyValidLinesArePublishedByteForByte() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("PushLineFuzzTest seed " + seed);
        Random random = new Random(seed);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int runs = 0;
        while (System.nanoTime() < deadline) {
            runOnce(random, seed, runs++);
        }
        assertTrue(runs > 100, "only " + runs + " runs in the time budget");
    }

    private void runOnce(Random random, long seed, int run) {
        byte[] stream = randomStream(random);
        MemoryHub hub = new MemoryHub();
        List<byte[]> published = new ArrayList<>();
        MemoryBroker gateway = new MemoryBroker(hub, new DeliveryListener() {
            @Override
            public void onPush(String uid, byte[] line, int loop) {
                published.add(line);
            }

            @Override
            public void onBroadcast(byte[] line, int loop) {
                published.add(line);
            }
        });
        ONLINE.forEach(gateway::subscribe);
        EmbeddedChannel ch = new EmbeddedChannel(new PushLineDecoder(MAX_LINE),
                new PushLineHandler(new MemoryBroker(hub, DeliveryListener.NONE), new IngestStats(), 1_000_000, MAX_LINE));

        for (int at = 0; at < stream.length; ) {
            int n = Math.min(stream.length - at, 1 + random.nextInt(64));
            ByteBuf chunk = Unpooled.copiedBuffer(stream, at, n);
            ch.writeInbound(chunk);
            at += n;
        }
        ch.checkException();
        String replies = drain(ch);
        ch.finishAndReleaseAll();

        List<byte[]> lines = completeLines(stream);
        List<String> expectedReplies = new ArrayList<>();
        List<byte[]> expectedPublished = new ArrayList<>();
        for (byte[] line : lines) {
            int published0 = expectedPublished.size();
            expected(line, expectedPublished);
            expectedReplies.add(expectedPublished.size() > published0 ? "ok" : "fail");
        }
        if (unterminatedTail(stream) > MAX_LINE + 1) {
            expectedReplies.add("fail"); // an over-long line is answered as soon as it passes the limit
        }
        String where = "seed " + seed + " run " + run + " stream " + Arrays.toString(stream);
        assertEquals(String.join("\n", expectedReplies) + (expectedReplies.isEmpty() ? "" : "\n"), replies, where);
        assertEquals(expectedPublished.size(), published.size(), where);
        for (int i = 0; i < published.size(); i++) {
            assertTrue(Arrays.equals(expectedPublished.get(i), published.get(i)), where + " publish " + i);
        }
    }

    /** What the oracle expects of one line: published once per online target (or once for a broadcast). */
    private static void expected(byte[] decoded, List<byte[]> published) {
        if (decoded.length > MAX_LINE + 1) {
            return; // the decoder discards it
        }
        // The handler drops every carriage return that ends the line, as the seed's rtrim, then checks the limit.
        int end = decoded.length;
        while (end > 0 && decoded[end - 1] == '\r') {
            end--;
        }
        byte[] line = Arrays.copyOf(decoded, end);
        if (line.length > MAX_LINE) {
            return;
        }
        try {
            PushTarget t = PushLineParser.parse(line, 0, line.length);
            if (t.broadcast()) {
                published.add(line);
            } else {
                t.uids().stream().filter(ONLINE::contains).forEach(u -> published.add(line));
            }
        } catch (InvalidLineException e) {
            // refused: fail, nothing published
        }
    }

    /** The newline-terminated lines of the stream, each without its {@code \n} and one trailing {@code \r}. */
    private static List<byte[]> completeLines(byte[] stream) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] == '\n') {
                int end = i > start && stream[i - 1] == '\r' ? i - 1 : i;
                lines.add(Arrays.copyOfRange(stream, start, end));
                start = i + 1;
            }
        }
        return lines;
    }

    private static int unterminatedTail(byte[] stream) {
        int lastNewline = -1;
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] == '\n') {
                lastNewline = i;
            }
        }
        return stream.length - lastNewline - 1;
    }

    private static byte[] randomStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int parts = 1 + random.nextInt(40);
        for (int i = 0; i < parts; i++) {
            if (random.nextInt(10) == 0) {
                out.writeBytes(RAW[random.nextInt(RAW.length)]);
            } else {
                out.writeBytes(FRAGMENTS[random.nextInt(FRAGMENTS.length)].getBytes(StandardCharsets.UTF_8));
            }
            if (random.nextInt(4) == 0) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder b = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            b.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
        return b.toString();
    }
}
