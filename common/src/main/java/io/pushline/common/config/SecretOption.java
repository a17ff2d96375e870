package io.pushline.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A secret given inline or in a file (the file keeps it out of {@code ps} and of the environment). A trailing
 * newline in the file is not part of the secret: {@code echo secret > file} must work.
 */
public final class SecretOption {

    private SecretOption() {
    }

    /**
     * The secret, or {@code null} when neither is set.
     *
     * @throws IllegalArgumentException when both are set, the file cannot be read, or the secret is empty
     */
    public static byte[] resolve(String inline, String file, String flag, String fileFlag) {
        boolean hasInline = inline != null && !inline.isEmpty();
        boolean hasFile = file != null && !file.isBlank();
        if (hasInline && hasFile) {
            throw new IllegalArgumentException("set " + flag + " or " + fileFlag + ", not both");
        }
        if (hasInline) {
            return inline.getBytes(StandardCharsets.UTF_8);
        }
        if (!hasFile) {
            return null;
        }
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(fileFlag + ": cannot read " + file + ": " + e);
        }
        String secret = text.replaceFirst("\\R+\\z", "");
        if (secret.isEmpty()) {
            throw new IllegalArgumentException(fileFlag + ": " + file + " is empty");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
