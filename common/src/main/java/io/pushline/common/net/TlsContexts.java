package io.pushline.common.net;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.pushline.common.config.StartupException;

import java.io.File;

/** Server TLS from PEM files, with the JDK's provider (no native library to install). */
public final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * Both files, or neither (then {@code null}: plain TCP). One without the other is a configuration error.
     *
     * @throws IllegalArgumentException naming the flags when only one is set
     * @throws StartupException when the files cannot be read or do not hold a certificate chain and its key
     */
    public static SslContext forServer(String certFile, String keyFile, String certFlag, String keyFlag, String what) {
        boolean hasCert = certFile != null && !certFile.isBlank();
        boolean hasKey = keyFile != null && !keyFile.isBlank();
        if (hasCert != hasKey) {
            throw new IllegalArgumentException(certFlag + " and " + keyFlag + " must be set together (" + what + ")");
        }
        if (!hasCert) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(new File(certFile), new File(keyFile))
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (Exception e) {
            throw StartupException.of("cannot load TLS for " + what + " from " + certFlag + " " + certFile
                    + " and " + keyFlag + " " + keyFile, e);
        }
    }
}
