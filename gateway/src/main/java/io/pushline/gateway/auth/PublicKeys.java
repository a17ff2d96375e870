package io.pushline.gateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo, what {@code openssl pkey -pubout} writes): RSA or EC. */
final class PublicKeys {

    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";

    private PublicKeys() {
    }

    /** @throws IllegalArgumentException naming the flag, the file and what is wrong with it */
    static PublicKey read(String file, String flag) {
        String pem;
        try {
            pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": cannot read " + file + ": " + e);
        }
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(flag + ": " + file + " holds no '" + BEGIN + "' block "
                    + "(export it with: openssl pkey -in private.pem -pubout)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + file + " is not valid PEM base64");
        }
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (InvalidKeySpecException e) {
                // not this type; try the next one
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK lacks " + type, e);
            }
        }
        throw new IllegalArgumentException(flag + ": " + file + " is neither an RSA nor an EC public key");
    }
}
