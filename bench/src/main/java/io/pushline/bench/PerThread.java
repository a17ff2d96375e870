package io.pushline.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * One instance of {@code T} per thread (in practice per event loop), so that hot paths update plain fields
 * without contention. {@link #all()} is read after the writers stopped and a happens-before edge was made
 * (see {@link Loops#sync}).
 */
public final class PerThread<T> {

  private final List<T> all = new CopyOnWriteArrayList<>();
  private final ThreadLocal<T> local;

  public PerThread(Supplier<T> factory) {
    this.local = ThreadLocal.withInitial(() -> {
      T t = factory.get();
      all.add(t);
      return t;
    });
  }

  public T get() {
    return local.get();
  }

  public List<T> all() {
    return all;
  }
}
