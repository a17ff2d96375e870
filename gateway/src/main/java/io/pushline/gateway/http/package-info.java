/**
 * Plain HTTP on the gateway port: everything that is not a WebSocket upgrade. The gateway serves the demo page
 * and the browser client ({@code pushline.js}, {@code pushline.mjs}) from memory; the files live in
 * {@code src/main/resources/io/pushline/gateway/http/static/}.
 */
package io.pushline.gateway.http;
