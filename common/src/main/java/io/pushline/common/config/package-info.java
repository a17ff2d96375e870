/**
 * Configuration building blocks: every setting is a command-line flag with an equivalent {@code PUSHLINE_*}
 * environment variable, a documented default and validation at start.
 */
package io.pushline.common.config;
