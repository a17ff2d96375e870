package io.pushline.bench.net;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads a non-negative integer JSON field out of a received frame without decoding it to a String. The frame is
 * searched for {@code "name"} followed by optional spaces, ':' and optional spaces, so it also works when a
 * server re-serializes the JSON (the contract says it must not, but the bench should not depend on it).
 */
public final class FrameScan {

  private final byte[] key;

  public FrameScan(String field) {
    this.key = ("\"" + field + "\"").getBytes(StandardCharsets.US_ASCII);
  }

  /** The field's value, or -1 when absent or not a non-negative integer. */
  public long find(ByteBuf buf) {
    int from = buf.readerIndex();
    int end = buf.writerIndex();
    int last = end - key.length;
    byte k0 = key[0];
    outer:
    for (int i = from; i <= last; i++) {
      if (buf.getByte(i) != k0) {
        continue;
      }
      for (int j = 1; j < key.length; j++) {
        if (buf.getByte(i + j) != key[j]) {
          continue outer;
        }
      }
      int p = i + key.length;
      while (p < end && buf.getByte(p) == ' ') {
        p++;
      }
      if (p >= end || buf.getByte(p) != ':') {
        continue;
      }
      p++;
      while (p < end && buf.getByte(p) == ' ') {
        p++;
      }
      long v = 0;
      int start = p;
      while (p < end) {
        byte b = buf.getByte(p);
        if (b < '0' || b > '9') {
          break;
        }
        v = v * 10 + (b - '0');
        p++;
      }
      return p == start ? -1 : v;
    }
    return -1;
  }
}
