package io.pushline.broker.redis;

import io.lettuce.core.api.StatefulConnection;
import io.pushline.common.netty.EventLoops;

import java.util.concurrent.RejectedExecutionException;

/**
 * Writes a connection's commands in batches: one socket write per event-loop turn instead of one per command.
 * The ingest reads every line that arrived in a turn before anything else runs, so the pushes of a pipelining
 * client, or of many clients at once, leave for Redis in one write, and Redis answers them in one write too. On a
 * gateway, the presence of the pages whose subscriptions Redis confirmed in one reply leaves in one write.
 *
 * <p>The connection's auto-flush is off. A command written from one of the node's loops is flushed by a task
 * that runs at the end of that loop's turn, queued once per turn; from any other thread it is flushed at once.
 * So nothing written can wait longer than the turn it was written in.
 */
final class TurnFlusher {

    private final StatefulConnection<?, ?> connection;
    private final EventLoops loops;
    /** Per loop: whether its end-of-turn flush is queued. Each entry is touched only by its own loop. */
    private final boolean[] queued;
    private final Runnable[] flushes;

    TurnFlusher(StatefulConnection<?, ?> connection, EventLoops loops) {
        this.connection = connection;
        this.loops = loops;
        this.queued = new boolean[loops.size()];
        this.flushes = new Runnable[loops.size()];
        for (int i = 0; i < flushes.length; i++) {
            int loop = i;
            flushes[i] = () -> {
                queued[loop] = false;
                connection.flushCommands();
            };
        }
        connection.setAutoFlushCommands(false);
    }

    /** Call after writing commands to the connection. */
    void written() {
        int loop = loops.indexOfCurrent();
        if (loop < 0) {
            connection.flushCommands();
        } else if (!queued[loop]) {
            queued[loop] = true;
            try {
                loops.get(loop).execute(flushes[loop]);
            } catch (RejectedExecutionException e) {
                queued[loop] = false; // the loop is stopping: flush now rather than never
                connection.flushCommands();
            }
        }
    }
}
