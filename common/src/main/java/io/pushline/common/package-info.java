/**
 * What the gateway and the ingest share: the wire protocol ({@code protocol}), the Redis key and channel
 * names ({@code redis}), configuration building blocks ({@code config}) and Netty transport selection
 * ({@code netty}).
 */
package io.pushline.common;
