package io.pushline.bench.scenario;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A thread-safe bit set over push sequence numbers, allocated lazily in chunks of 2^20 bits (128 KiB), up to
 * 2^32 bits. Setting a bit is one atomic OR; nothing is allocated per push except a chunk every 2^20 seqs.
 */
final class SeqBits {

  private static final int CHUNK_SHIFT = 20;
  private static final int CHUNK_WORDS = (1 << CHUNK_SHIFT) / 64;
  private static final int MAX_CHUNKS = 4096;
  static final long CAPACITY = (long) MAX_CHUNKS << CHUNK_SHIFT;
  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

  private final AtomicReferenceArray<long[]> chunks = new AtomicReferenceArray<>(MAX_CHUNKS);

  /** Sets bit {@code seq}; returns false when it was already set or is out of range. */
  boolean set(long seq) {
    if (seq < 0 || seq >= CAPACITY) {
      return false;
    }
    long[] words = chunk((int) (seq >>> CHUNK_SHIFT), true);
    int bit = (int) (seq & ((1 << CHUNK_SHIFT) - 1));
    long mask = 1L << (bit & 63);
    long prev = (long) WORDS.getAndBitwiseOr(words, bit >>> 6, mask);
    return (prev & mask) == 0;
  }

  boolean get(long seq) {
    if (seq < 0 || seq >= CAPACITY) {
      return false;
    }
    long[] words = chunk((int) (seq >>> CHUNK_SHIFT), false);
    if (words == null) {
      return false;
    }
    int bit = (int) (seq & ((1 << CHUNK_SHIFT) - 1));
    return (((long) WORDS.getVolatile(words, bit >>> 6)) & (1L << (bit & 63))) != 0;
  }

  /** Number of seqs in {@code [0, limit)} set here and not in {@code other}. */
  long countAndNot(SeqBits other, long limit) {
    long n = 0;
    long max = Math.min(limit, CAPACITY);
    int lastChunk = (int) ((max - 1) >>> CHUNK_SHIFT);
    for (int c = 0; max > 0 && c <= lastChunk; c++) {
      long[] a = chunks.get(c);
      if (a == null) {
        continue;
      }
      long[] b = other.chunks.get(c);
      long chunkStart = (long) c << CHUNK_SHIFT;
      for (int w = 0; w < CHUNK_WORDS; w++) {
        long wordStart = chunkStart + ((long) w << 6);
        if (wordStart >= max) {
          break;
        }
        long bits = (long) WORDS.getVolatile(a, w);
        if (b != null) {
          bits &= ~(long) WORDS.getVolatile(b, w);
        }
        long remaining = max - wordStart;
        if (remaining < 64) {
          bits &= (1L << remaining) - 1;
        }
        n += Long.bitCount(bits);
      }
    }
    return n;
  }

  private long[] chunk(int index, boolean create) {
    long[] words = chunks.get(index);
    if (words == null && create) {
      long[] fresh = new long[CHUNK_WORDS];
      if (chunks.compareAndSet(index, null, fresh)) {
        words = fresh;
      } else {
        words = chunks.get(index);
      }
    }
    return words;
  }
}
