/** Plain HTTP on the gateway port: everything that is not a WebSocket upgrade. */
package io.pushline.gateway.http;
