package io.pushline.testkit.leaks;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran: "no leak" is part of every test, not of
 * the few that look for one.
 *
 * <p>Registered in {@code META-INF/services} and active for every test class when JUnit's extension
 * auto-detection is on ({@code -Djunit.jupiter.extensions.autodetection.enabled=true}, in the parent POM's
 * {@code test.jvm.args}). A leak is found after a garbage collection,
 * so a report can belong to a class that ran earlier in the same JVM; its creation record says where the buffer
 * came from.
 */
public final class NoNettyLeaks implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = NettyLeaks.sweep();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported during or before "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }
}
