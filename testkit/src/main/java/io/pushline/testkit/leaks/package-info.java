/**
 * A gate on Netty buffer leaks for every test class: {@link io.pushline.testkit.leaks.NettyLeaks} collects Netty's
 * leak reports, {@link io.pushline.testkit.leaks.NoNettyLeaks} fails the class that saw one.
 */
package io.pushline.testkit.leaks;
