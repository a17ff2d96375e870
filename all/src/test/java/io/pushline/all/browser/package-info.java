/**
 * Real-browser tests: headless Chromium ({@link io.pushline.testkit.Chromium}) driven over the DevTools protocol
 * ({@code DevTools}, {@code Tab}) against in-process gateways and ingests. What a test asserts is what the page
 * shows in its DOM or recorded in a JavaScript array. Skipped when no Chromium is installed, unless
 * {@code PUSHLINE_REQUIRE_BROWSER=1}.
 */
package io.pushline.all.browser;
