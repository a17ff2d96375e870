/** Logging helpers: a throttle for warnings that an outage or an overload would otherwise repeat per event. */
package io.pushline.common.log;
