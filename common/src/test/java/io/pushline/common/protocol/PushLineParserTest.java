package io.pushline.common.protocol;

import io.pushline.common.protocol.InvalidLineException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PushLineParserTest {

    private static PushTarget parse(String line) throws InvalidLineException {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return PushLineParser.parse(b, 0, b.length);
    }

    private static Reason refused(byte[] b) {
        return assertThrows(InvalidLineException.class, () -> PushLineParser.parse(b, 0, b.length)).reason();
    }

    private static Reason refused(String line) {
        return refused(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSeedsLineTargetsItsUid() throws Exception {
        assertEquals(PushTarget.of("uid1"), parse("{\"uid\":\"uid1\",\"percent\":\"88%\"}"));
    }

    @Test
    void anIntegerUidIsItsDigits() throws Exception {
        assertEquals(PushTarget.of("123"), parse("{\"uid\":123}"));
        assertEquals(PushTarget.of("-7"), parse("{\"percent\":\"1%\",\"uid\":-7}"));
    }

    @Test
    void theUidMayComeAfterNestedFieldsThatMentionUid() throws Exception {
        assertEquals(PushTarget.of("real"), parse("{\"data\":{\"uid\":\"nested\",\"list\":[{\"uid\":1}]},\"uid\":\"real\"}"));
    }

    @Test
    void aListOfUidsKeepsOrderAndDropsDuplicates() throws Exception {
        assertEquals(new PushTarget(List.of("a", "7", "b"), false), parse("{\"uid\":[\"a\",7,\"b\",\"a\"]}"));
    }

    @Test
    void broadcastTrueWithoutUidIsForEveryone() throws Exception {
        assertTrue(parse("{\"broadcast\":true,\"m\":1}").broadcast());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json|INVALID_JSON",
            "''|NOT_AN_OBJECT",
            "[1]|NOT_AN_OBJECT",
            "\"uid\"|NOT_AN_OBJECT",
            "{}|MISSING_UID",
            "{\"broadcast\":false}|MISSING_UID",
            "{\"uid\":[]}|MISSING_UID",
            "{\"uid\":\"\"}|INVALID_UID",
            "{\"uid\":null}|INVALID_UID",
            "{\"uid\":true}|INVALID_UID",
            "{\"uid\":1.5}|INVALID_UID",
            "{\"uid\":1e3}|INVALID_UID",
            "{\"uid\":{\"id\":1}}|INVALID_UID",
            "{\"uid\":[[\"a\"]]}|INVALID_UID",
            "{\"uid\":\"a b\"}|INVALID_UID",
            "{\"uid\":\"{a}\"}|INVALID_UID",
            "{\"uid\":\"a*\"}|INVALID_UID",
            "{\"uid\":\"a\",\"uid\":\"b\"}|INVALID_JSON",
            "{\"uid\":\"a\",\"broadcast\":true}|AMBIGUOUS_TARGET",
            "{\"uid\":\"a\"} {}|INVALID_JSON",
            "{\"uid\":\"a\"}x|INVALID_JSON",
            "{\"uid\":\"a\"|INVALID_JSON",
            "{\"uid\":'a'}|INVALID_JSON",
            "{uid:\"a\"}|INVALID_JSON",
            "{\"uid\":\"a\",}|INVALID_JSON",
            "{\"uid\":\"a\",\"n\":NaN}|INVALID_JSON",
            "{\"uid\":\"a\",\"n\":01}|INVALID_JSON",
    })
    void refusesWithAReason(String line, Reason reason) {
        assertEquals(reason, refused(line));
    }

    @Test
    void refusesInvalidUtf8EvenInsideValuesThatAreNeverRead() {
        byte[] prefix = "{\"uid\":\"a\",\"m\":\"".getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xE2, (byte) 0x82},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            byte[] line = new byte[prefix.length + bad.length + 2];
            System.arraycopy(prefix, 0, line, 0, prefix.length);
            System.arraycopy(bad, 0, line, prefix.length, bad.length);
            line[line.length - 2] = '"';
            line[line.length - 1] = '}';
            assertEquals(Reason.INVALID_UTF8, refused(line));
        }
    }

    @Test
    void refusesRawControlCharactersInsideStrings() {
        assertEquals(Reason.INVALID_JSON, refused("{\"uid\":\"a\",\"m\":\"\u0000\"}"));
        assertEquals(Reason.INVALID_JSON, refused("{\"uid\":\"a\",\"m\":\"\t\"}"));
    }

    @Test
    void acceptsEveryPlaneOfUnicode() throws Exception {
        assertEquals(PushTarget.of("a"), parse("{\"uid\":\"a\",\"m\":\"h\u00e9llo \u4e16\u754c \ud83d\ude00\"}"));
    }

    @Test
    void refusesDeepNestingWithoutOverflowingTheStack() {
        String deep = "{\"uid\":\"a\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertEquals(Reason.INVALID_JSON, refused(deep));
    }

    @Test
    void refusesMoreUidsThanTheLimit() {
        StringBuilder b = new StringBuilder("{\"uid\":[");
        for (int i = 0; i <= PushLineParser.MAX_UIDS; i++) {
            b.append(i == 0 ? "" : ",").append(i);
        }
        assertEquals(Reason.TOO_MANY_UIDS, refused(b.append("]}").toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"uid1", "123", "-1", "user@example.com", "a.b:c_d-e=f+g", "A"})
    void acceptsUidsInTheSyntax(String uid) {
        assertTrue(Uid.isValid(uid));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "a\tb", "{a}", "a}", "a*", "a?", "[a]", "é", "a/b", "a\\b", "a\"b", "a\u0000"})
    void refusesUidsOutsideTheSyntax(String uid) {
        assertTrue(!Uid.isValid(uid));
    }

    @Test
    void aUidHasAtMost128Characters() {
        assertTrue(Uid.isValid("x".repeat(Uid.MAX_LENGTH)));
        assertTrue(!Uid.isValid("x".repeat(Uid.MAX_LENGTH + 1)));
    }

    /** Jackson guesses UTF-16 and UTF-32 from the NULs of an ASCII line; the wire is UTF-8 and nothing else. */
    @ParameterizedTest
    @ValueSource(strings = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"})
    void refusesALineInAnotherEncodingThanUtf8(String charset) {
        byte[] line = "{\"uid\":\"uid1\",\"m\":\"x\"}".getBytes(java.nio.charset.Charset.forName(charset));
        assertEquals(Reason.INVALID_JSON, refused(line));
    }

    @Test
    void refusesAUtf8ByteOrderMark() {
        byte[] json = "{\"uid\":\"uid1\"}".getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[json.length + 3];
        line[0] = (byte) 0xEF;
        line[1] = (byte) 0xBB;
        line[2] = (byte) 0xBF;
        System.arraycopy(json, 0, line, 3, json.length);
        assertEquals(Reason.INVALID_JSON, refused(line));
    }

    @Test
    void refusesARawNulAnywhereEvenBetweenTokens() {
        assertEquals(Reason.INVALID_JSON, refused("{\"uid\":\"uid1\"}\u0000"));
        assertEquals(Reason.INVALID_JSON, refused("\u0000{\"uid\":\"uid1\"}"));
    }

    @Test
    void aByteOrderMarkInsideAStringIsJustACharacter() throws Exception {
        assertEquals(PushTarget.of("a"), parse("{\"uid\":\"a\",\"m\":\"\ufeff\"}"));
    }

    /** A thousand distinct uids, each compared with every other one, took a quadratic pass; a set takes one. */
    @Test
    void aThousandDistinctUidsAreAcceptedAndDuplicatesStillCountOnce() throws Exception {
        StringBuilder b = new StringBuilder("{\"uid\":[");
        for (int i = 0; i < PushLineParser.MAX_UIDS; i++) {
            b.append(i == 0 ? "" : ",").append('"').append("user-").append(i).append('"');
        }
        b.append(",\"user-0\",\"user-999\"]}");
        List<String> uids = parse(b.toString()).uids();
        assertEquals(PushLineParser.MAX_UIDS, uids.size());
        assertEquals("user-0", uids.get(0));
        assertEquals("user-999", uids.get(uids.size() - 1));
    }
}
