/**
 * What the gateway and the ingest share: the wire protocol ({@code protocol}), the Redis key and channel
 * names ({@code redis}), configuration building blocks ({@code config}), Netty transport selection
 * ({@code netty}) and a throttle for repeated warnings ({@code log}).
 */
package io.pushline.common;
