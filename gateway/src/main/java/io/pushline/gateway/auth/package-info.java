/**
 * Who a connection is: signed identities (JWT) verified before any subscription, and the policy that decides
 * between tokens and the seed's trusted uids. {@link io.pushline.gateway.auth.AuthOptions} holds the settings,
 * {@link io.pushline.gateway.auth.IdentityPolicy} is what they mean, {@link io.pushline.gateway.auth.TokenVerifier}
 * checks a token, and {@link io.pushline.gateway.auth.TokenSessionHandler} binds, refreshes and expires a
 * connection's token.
 */
package io.pushline.gateway.auth;
