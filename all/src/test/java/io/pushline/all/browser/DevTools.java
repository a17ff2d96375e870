package io.pushline.all.browser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pushline.testkit.Chromium;
import io.pushline.testkit.WsClient;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;

/**
 * One browser tab driven over the Chrome DevTools protocol, on the JDK WebSocket client: a new tab is created and
 * attached in flat mode, so every command and event of the tab travels on the browser connection with the tab's
 * session id.
 *
 * <p>Synchronous: {@link #call} sends a command and reads messages until its reply; events read meanwhile are kept
 * (bounded) for {@link #awaitEvent}. Not thread-safe: one test thread drives one tab.
 */
final class DevTools implements AutoCloseable {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);
    /** Only the Page domain is enabled, which emits a handful of events per navigation. */
    static final int MAX_KEPT_EVENTS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WsClient socket;
    private final Deque<JsonNode> events = new ArrayDeque<>();
    /** Null for browser-wide commands; the tab's session once attached. */
    private String sessionId;
    private String targetId;
    private int lastId;

    private DevTools(WsClient socket) {
        this.socket = socket;
    }

    /** Opens a new blank tab in {@code browser} and attaches to it. */
    static DevTools openTab(Chromium browser) {
        DevTools devTools = new DevTools(WsClient.connect(browser.devToolsUri()));
        try {
            devTools.targetId = devTools.call("Target.createTarget", Map.of("url", "about:blank"))
                    .path("targetId").asText();
            devTools.sessionId = devTools.call("Target.attachToTarget",
                    Map.of("targetId", devTools.targetId, "flatten", true)).path("sessionId").asText();
            return devTools;
        } catch (RuntimeException | Error e) {
            devTools.socket.close();
            throw e;
        }
    }

    /**
     * Sends a command to the tab and returns its result.
     *
     * @throws AssertionError when the browser answers with an error, or not within {@link #COMMAND_TIMEOUT}
     */
    JsonNode call(String method, Map<String, ?> params) {
        int id = ++lastId;
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            command.put("sessionId", sessionId);
        }
        socket.send(command.toString());
        long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        while (true) {
            JsonNode message = next(deadline, method + " (command " + id + ")");
            if (message.path("id").asInt(-1) == id) {
                if (message.has("error")) {
                    throw new AssertionError("DevTools " + method + " failed: " + message.get("error"));
                }
                return message.path("result");
            }
            keep(message);
        }
    }

    /** Returns the params of the first event named {@code method} (kept or new), removing it from the kept ones. */
    JsonNode awaitEvent(String method, Duration timeout) {
        for (Iterator<JsonNode> it = events.iterator(); it.hasNext(); ) {
            JsonNode event = it.next();
            if (method.equals(event.path("method").asText())) {
                it.remove();
                return event.path("params");
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode message = next(deadline, "event " + method);
            if (method.equals(message.path("method").asText()) && isMine(message)) {
                return message.path("params");
            }
            keep(message);
        }
    }

    /** Closes the tab and the connection. */
    @Override
    public void close() {
        try {
            if (targetId != null && socket.isOpen()) {
                sessionId = null;
                call("Target.closeTarget", Map.of("targetId", targetId));
            }
        } finally {
            socket.close();
        }
    }

    private JsonNode next(long deadline, String awaited) {
        long left = deadline - System.nanoTime();
        String raw = left > 0 ? socket.pollMessage(Duration.ofNanos(left)) : null;
        if (raw == null) {
            throw new AssertionError("DevTools: no " + awaited + " from the browser in time ("
                    + (socket.isOpen() ? "connection open" : "connection closed") + ", " + events.size()
                    + " other events kept)");
        }
        try {
            return JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("DevTools sent a message that is not JSON: " + raw, e);
        }
    }

    private void keep(JsonNode message) {
        if (!message.has("method") || !isMine(message)) {
            return; // a late reply, or another target's event: nothing waits for it
        }
        if (events.size() == MAX_KEPT_EVENTS) {
            throw new AssertionError("DevTools: over " + MAX_KEPT_EVENTS + " unread events kept; oldest: "
                    + events.peekFirst().path("method").asText());
        }
        events.addLast(message);
    }

    private boolean isMine(JsonNode message) {
        return sessionId == null || sessionId.equals(message.path("sessionId").asText(null));
    }
}
