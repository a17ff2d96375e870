package io.pushline.bench.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.pushline.bench.BenchException;
import io.pushline.bench.HostPort;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Verifies that the server knows every client before a measurement starts: writes a probe line
 * {@code {"uid":"bench-N","probe":true}} for each uid on one ingest connection (pipelined, {@code window} in
 * flight) and repeats the uids answered {@code fail} every 20 ms, until all got {@code ok}. Needed because a
 * server registers a uid asynchronously after the first frame, and in a cluster it may take a hop to be seen.
 */
public final class Registrar extends IngestHandler {

  /** What the registration took. */
  public record Result(int uids, long probes, long elapsedNanos) {
  }

  private final int window;
  private final ArrayDeque<Integer> pending = new ArrayDeque<>();
  private final ArrayDeque<Integer> outstanding = new ArrayDeque<>();
  private final ArrayDeque<Integer> retry = new ArrayDeque<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final int count;
  private int registered;
  private long probes;
  private volatile String lastReply = "none";

  private Registrar(int first, int count, int window) {
    this.window = window;
    this.count = count;
    for (int i = first; i < first + count; i++) {
      pending.add(i);
    }
  }

  /** Probes uids {@code first .. first+count-1} until each is ok, or throws after {@code timeoutMillis}. */
  public static Result register(Transport transport, EventLoopGroup group, HostPort ingest, int first, int count,
      long timeoutMillis) {
    long start = System.nanoTime();
    Registrar r = new Registrar(first, count, 256);
    Channel ch = IngestHandler.connect(transport, group, ingest, r, timeoutMillis);
    try {
      ch.eventLoop().execute(r::fill);
      r.done.get(timeoutMillis, TimeUnit.MILLISECONDS);
      return new Result(count, r.probes, System.nanoTime() - start);
    } catch (TimeoutException e) {
      CompletableFuture<Integer> n = new CompletableFuture<>();
      ch.eventLoop().execute(() -> n.complete(r.registered));
      int got = n.getNow(-1);
      try {
        got = n.get(2, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // keep -1
      }
      throw new BenchException("registration check: " + (got < 0 ? "?" : got) + " of " + count
          + " uids answered ok at ingest " + ingest + " within " + timeoutMillis + " ms (last reply: "
          + r.lastReply + ")");
    } catch (ExecutionException e) {
      throw new BenchException("registration check at ingest " + ingest + ": " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    } finally {
      ch.close().awaitUninterruptibly(2000);
    }
  }

  private void fill() {
    if (done.isDone()) {
      return;
    }
    if (count == 0) {
      done.complete(null);
      return;
    }
    boolean wrote = false;
    while (outstanding.size() < window && !pending.isEmpty()) {
      int idx = pending.poll();
      ctx.write(PushLines.probe(ctx.alloc(), idx), ctx.voidPromise());
      outstanding.add(idx);
      probes++;
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
  }

  @Override
  protected void onReply(Reply reply) {
    Integer idx = outstanding.poll();
    if (idx == null) {
      return;
    }
    lastReply = reply.name().toLowerCase(java.util.Locale.ROOT);
    if (reply == Reply.OK) {
      registered++;
      if (registered == count) {
        done.complete(null);
        return;
      }
    } else {
      retry.add(idx);
    }
    if (pending.isEmpty() && outstanding.isEmpty() && !retry.isEmpty()) {
      ctx.executor().schedule(() -> {
        pending.addAll(retry);
        retry.clear();
        fill();
      }, 20, TimeUnit.MILLISECONDS);
    } else {
      fill();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    done.completeExceptionally(new IllegalStateException("the ingest port closed the connection"));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    done.completeExceptionally(new IllegalStateException(Reachability.describe(cause)));
    ctx.close();
  }
}
