/** The targets, judged from the JSON lines the scenarios printed: the {@code targets} command. */
package io.pushline.bench.targets;
