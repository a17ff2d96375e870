/**
 * End-to-end tests of the PHP side: real {@code php} processes running the seed's backend snippet and
 * {@code clients/php/PushlineClient.php} against an embedded Pushline.
 */
package io.pushline.all.php;
