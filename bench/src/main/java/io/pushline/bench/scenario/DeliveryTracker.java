package io.pushline.bench.scenario;

import java.util.concurrent.atomic.LongAdder;

/**
 * Matches acknowledgements with deliveries by sequence number. Every data push has a unique {@code seq} and
 * goes to exactly one uid, held by exactly one client, so each {@code ok}-acknowledged seq should be delivered
 * exactly once:
 * <ul>
 *   <li>lost = acknowledged {@code ok} but never delivered (checked after a grace period);</li>
 *   <li>duplicates = delivered more than once;</li>
 *   <li>unexpected = delivered although the reply was {@code fail} (or no reply came).</li>
 * </ul>
 */
final class DeliveryTracker {

  private final SeqBits acked = new SeqBits();
  private final SeqBits delivered = new SeqBits();
  private final LongAdder ackedCount = new LongAdder();
  private final LongAdder deliveredCount = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder untracked = new LongAdder();

  void acked(long seq) {
    if (acked.set(seq)) {
      ackedCount.increment();
    } else if (seq >= SeqBits.CAPACITY) {
      untracked.increment();
    }
  }

  /** Returns false for a duplicate. */
  boolean delivered(long seq) {
    if (delivered.set(seq)) {
      deliveredCount.increment();
      return true;
    }
    if (seq >= SeqBits.CAPACITY) {
      untracked.increment();
      return true;
    }
    duplicates.increment();
    return false;
  }

  long ackedCount() {
    return ackedCount.sum();
  }

  /** Distinct seqs delivered. */
  long deliveredCount() {
    return deliveredCount.sum();
  }

  /** True when every acknowledged seq was delivered (cheap check, by counts). */
  boolean caughtUp() {
    return deliveredCount.sum() >= ackedCount.sum();
  }

  long duplicates() {
    return duplicates.sum();
  }

  /** Seqs beyond the tracker's capacity (2^32); they are neither lost nor counted. */
  long untracked() {
    return untracked.sum();
  }

  /** Acknowledged ok, never delivered; {@code seqLimit} = number of seqs issued. */
  long lost(long seqLimit) {
    return acked.countAndNot(delivered, seqLimit);
  }

  /** Delivered but not acknowledged ok. */
  long unexpected(long seqLimit) {
    return delivered.countAndNot(acked, seqLimit);
  }
}
