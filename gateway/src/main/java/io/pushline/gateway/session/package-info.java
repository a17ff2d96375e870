/**
 * A WebSocket's life after the handshake: binding its uid ({@link io.pushline.gateway.session.SessionHandler})
 * and the node's uid-to-connections registry that subscribes uids at the broker and delivers their lines
 * ({@link io.pushline.gateway.session.LocalSessions}).
 */
package io.pushline.gateway.session;
