package io.pushline.all.browser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Test pages that use pushline.js from a gateway and record everything the client reports in
 * {@code window.seen} ({@code {event, arg}} in order); {@code args(name)} in the page lists one event's
 * arguments. The client is {@code window.client}.
 */
final class ClientPages {

    /** Small delays so a reconnect happens within a test's patience, with the real back-off code. */
    static final int MIN_DELAY_MS = 50;
    static final int MAX_DELAY_MS = 250;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientPages() {
    }

    /** The classic way: {@code <script src=".../pushline.js">}, which defines {@code window.Pushline}. */
    static String script(int gatewayPort, String uid, boolean json) {
        return "<!doctype html><meta charset=utf-8><title>pushline.js</title>"
                + "<script src=\"http://" + Backend.HOST + ":" + gatewayPort + "/pushline.js\"></script>"
                + "<script>" + recorder(gatewayPort, uid, json) + "</script>";
    }

    /** The ES module way: {@code import Pushline from '.../pushline.mjs'}, from another origin (CORS). */
    static String module(int gatewayPort, String uid, boolean json) {
        return "<!doctype html><meta charset=utf-8><title>pushline.mjs</title><script type=module>"
                + "import Pushline from 'http://" + Backend.HOST + ":" + gatewayPort + "/pushline.mjs';"
                + recorder(gatewayPort, uid, json) + "</script>";
    }

    private static String recorder(int gatewayPort, String uid, boolean json) {
        return """
                window.seen = [];
                window.args = function (name) {
                  return seen.filter(function (e) { return e.event === name; }).map(function (e) { return e.arg; });
                };
                window.client = new Pushline({url: 'ws://%s:%d/', uid: %s, json: %b, minDelay: %d, maxDelay: %d});
                ['connect', 'disconnect', 'message', 'state', 'error'].forEach(function (name) {
                  client.on(name, function (arg) {
                    var value = arg instanceof Error ? {message: arg.message, data: arg.data} : arg;
                    seen.push({event: name, arg: value === undefined ? null : value});
                  });
                });
                client.connect();
                """.formatted(Backend.HOST, gatewayPort, quote(uid), json, MIN_DELAY_MS, MAX_DELAY_MS);
    }

    /** A JavaScript string literal (JSON is valid JavaScript). */
    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
