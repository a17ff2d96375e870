package io.pushline.all.browser;

import com.fasterxml.jackson.databind.JsonNode;
import io.pushline.testkit.Chromium;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.Map;

/**
 * What a test does with a page: open a URL, run JavaScript in it, wait until the page shows something, and read
 * its alerts. Every wait is a condition polled with a deadline. Not thread-safe.
 */
final class Tab implements AutoCloseable {

    /** Generous: the machine running the tests may be busy, and a browser on it is slow to start pages. */
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Duration POLL = Duration.ofMillis(50);

    private final DevTools devTools;

    private Tab(DevTools devTools) {
        this.devTools = devTools;
    }

    static Tab open(Chromium browser) {
        DevTools devTools = DevTools.openTab(browser);
        try {
            devTools.call("Page.enable", Map.of());
            return new Tab(devTools);
        } catch (RuntimeException | Error e) {
            devTools.close();
            throw e;
        }
    }

    /** Navigates and returns once the page has loaded, so its scripts (modules included) have run. */
    void navigate(String url) {
        JsonNode result = devTools.call("Page.navigate", Map.of("url", url));
        if (result.hasNonNull("errorText")) {
            throw new AssertionError("navigation to " + url + " failed: " + result.get("errorText").asText());
        }
        devTools.awaitEvent("Page.loadEventFired", WAIT);
    }

    /**
     * Evaluates {@code expression} in the page (awaiting it when it is a promise) and returns its value as JSON.
     *
     * @throws AssertionError when the expression throws in the page
     */
    JsonNode eval(String expression) {
        JsonNode result = devTools.call("Runtime.evaluate",
                Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            JsonNode details = result.get("exceptionDetails");
            throw new AssertionError("page threw on `" + expression + "`: "
                    + details.path("exception").path("description").asText(details.path("text").asText()));
        }
        return result.path("result").path("value");
    }

    /** Waits until {@code condition}, a JavaScript expression, is true in the page. */
    void waitUntil(String condition) {
        Awaitility.await("page condition `" + condition + "`")
                .atMost(WAIT).pollInterval(POLL).pollInSameThread()
                .until(() -> eval("!!(" + condition + ")").asBoolean());
    }

    /** Waits for the next alert/confirm/prompt, accepts it, and returns its text. */
    String acceptDialog() {
        JsonNode dialog = devTools.awaitEvent("Page.javascriptDialogOpening", WAIT);
        devTools.call("Page.handleJavaScriptDialog", Map.of("accept", true));
        return dialog.path("message").asText();
    }

    @Override
    public void close() {
        devTools.close();
    }
}
