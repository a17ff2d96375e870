/** Every Redis key and channel name Pushline uses, built in one place from one prefix. */
package io.pushline.common.redis;
