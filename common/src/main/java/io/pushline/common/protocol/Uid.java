package io.pushline.common.protocol;

/**
 * The uid syntax, enforced everywhere a uid enters Pushline (first WebSocket frame, {@code ?uid=}, ingest line).
 *
 * <p>A uid is 1 to {@value #MAX_LENGTH} characters from {@code A-Z a-z 0-9 _ - . : @ = +}. The set excludes
 * braces (a uid is a Redis Cluster hash tag inside every key and channel name, so a brace could move it to
 * another slot or forge another uid's name), glob characters ({@code * ? [ ]}, which PSUBSCRIBE and SCAN would
 * interpret), whitespace and control characters. It admits PHP integers ({@code -42}), e-mail addresses and
 * the usual ids.
 */
public final class Uid {

    /** Longest accepted uid, in characters (all of them ASCII, so also in bytes). */
    public static final int MAX_LENGTH = 128;

    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) ALLOWED[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) ALLOWED[c] = true;
        for (char c = '0'; c <= '9'; c++) ALLOWED[c] = true;
        for (char c : "_-.:@=+".toCharArray()) ALLOWED[c] = true;
    }

    private Uid() {
    }

    public static boolean isValid(CharSequence uid) {
        if (uid == null) {
            return false;
        }
        int n = uid.length();
        if (n == 0 || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = uid.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return false;
            }
        }
        return true;
    }

    /** A human description of the syntax, for error messages and docs. */
    public static String describe() {
        return "1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 _ - . : @ = +";
    }
}
