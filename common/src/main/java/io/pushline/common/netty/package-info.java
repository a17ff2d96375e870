/** Netty transport selection shared by every server. */
package io.pushline.common.netty;
