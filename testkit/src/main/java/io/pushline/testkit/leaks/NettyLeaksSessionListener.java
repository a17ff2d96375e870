package io.pushline.testkit.leaks;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs {@link NettyLeaks} when the test launcher opens, before any test class can touch a Netty buffer.
 * Registered in {@code META-INF/services}, so every module that has the testkit on its test class path gets it.
 */
public final class NettyLeaksSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        NettyLeaks.install();
    }
}
