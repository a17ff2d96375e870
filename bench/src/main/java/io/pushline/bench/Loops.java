package io.pushline.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/** Small timing helpers shared by the scenarios. */
public final class Loops {

  private Loops() {
  }

  /**
   * Runs an empty task on every event loop of the groups and waits for them (at most {@code timeoutMillis}), so
   * that plain fields written on those loops before are visible to the caller.
   */
  public static void sync(long timeoutMillis, EventLoopGroup... groups) {
    List<Future<?>> fs = new ArrayList<>();
    for (EventLoopGroup g : groups) {
      if (g == null) {
        continue;
      }
      for (EventExecutor e : g) {
        fs.add(e.submit(() -> { }));
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (Future<?> f : fs) {
      f.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
  }

  /** Sleeps until {@code System.nanoTime() >= deadline}. */
  public static void sleepUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Waits at most {@code timeoutNanos} for {@code done} to complete; returns whether it did. */
  public static boolean await(CompletableFuture<?> done, long timeoutNanos) {
    try {
      done.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return done.isDone() && !done.isCompletedExceptionally();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Polls {@code condition} every {@code pollMillis} until it holds or {@code timeoutNanos} pass; returns it. */
  public static boolean await(BooleanSupplier condition, long timeoutNanos, long pollMillis) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return condition.getAsBoolean();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollMillis));
      if (Thread.currentThread().isInterrupted()) {
        return condition.getAsBoolean();
      }
    }
    return true;
  }
}
