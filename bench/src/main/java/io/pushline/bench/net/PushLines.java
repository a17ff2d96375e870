package io.pushline.bench.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes ingest lines straight into pooled buffers, without intermediate Strings. A data line is
 * <pre>{"uid":"bench-17","seq":123,"t":456789,"pad":"xxxx"}\n</pre>
 * padded so that the line without its newline (the frame the browser receives) is exactly
 * {@code payloadBytes} long when that is at least the unpadded length. {@code t} is a {@code System.nanoTime()}
 * reading minus the run's origin (so it is never negative), comparable only inside the generating JVM.
 */
public final class PushLines {

  private static final byte[] UID = ascii("{\"uid\":\"bench-");
  private static final byte[] SEQ = ascii("\",\"seq\":");
  private static final byte[] T = ascii(",\"t\":");
  private static final byte[] PAD = ascii(",\"pad\":\"");
  private static final byte[] END = ascii("\"}\n");
  private static final byte[] PROBE = ascii("\",\"probe\":true}\n");
  private static final byte[] BROADCAST = ascii("{\"broadcast\":true,\"round\":");
  private static final byte[] X = new byte[65536];

  static {
    Arrays.fill(X, (byte) 'x');
  }

  /** Client uid prefix: client {@code n} is {@code bench-n}. */
  public static final String UID_PREFIX = "bench-";

  /** Largest payload the padding supports. */
  public static final int MAX_PAYLOAD = X.length;

  private PushLines() {
  }

  public static String uid(int index) {
    return UID_PREFIX + index;
  }

  /** Number of decimal digits of {@code v >= 0}. */
  public static int digits(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }

  /** Writes {@code v >= 0} in decimal. */
  public static void writeLong(ByteBuf buf, long v) {
    int n = digits(v);
    int at = buf.writerIndex();
    buf.ensureWritable(n);
    for (int i = n - 1; i >= 0; i--) {
      buf.setByte(at + i, (int) ('0' + v % 10));
      v /= 10;
    }
    buf.writerIndex(at + n);
  }

  /** Length of a data line without its newline and without padding. */
  public static int unpaddedDataLength(int uid, long seq, long t) {
    return UID.length + digits(uid) + SEQ.length + digits(seq) + T.length + digits(t) + PAD.length + 2;
  }

  /** A data line (with newline) for client {@code uid}. */
  public static ByteBuf data(ByteBufAllocator alloc, int uid, long seq, long t, int payloadBytes) {
    int unpadded = unpaddedDataLength(uid, seq, t);
    int pad = Math.max(0, Math.min(payloadBytes - unpadded, X.length));
    ByteBuf buf = alloc.directBuffer(unpadded + pad + 1);
    buf.writeBytes(UID);
    writeLong(buf, uid);
    buf.writeBytes(SEQ);
    writeLong(buf, seq);
    buf.writeBytes(T);
    writeLong(buf, t);
    buf.writeBytes(PAD);
    buf.writeBytes(X, 0, pad);
    buf.writeBytes(END);
    return buf;
  }

  /** A registration probe: {@code {"uid":"bench-N","probe":true}\n}. Receivers ignore it (it has no seq). */
  public static ByteBuf probe(ByteBufAllocator alloc, int uid) {
    ByteBuf buf = alloc.directBuffer(UID.length + 10 + PROBE.length);
    buf.writeBytes(UID);
    writeLong(buf, uid);
    buf.writeBytes(PROBE);
    return buf;
  }

  /** A broadcast line {@code {"broadcast":true,"round":R,"t":T,"pad":"x.."}\n} padded to {@code payloadBytes}. */
  public static ByteBuf broadcast(ByteBufAllocator alloc, int round, long t, int payloadBytes) {
    int unpadded = BROADCAST.length + digits(round) + T.length + digits(t) + PAD.length + 2;
    int pad = Math.max(0, Math.min(payloadBytes - unpadded, X.length));
    ByteBuf buf = alloc.directBuffer(unpadded + pad + 1);
    buf.writeBytes(BROADCAST);
    writeLong(buf, round);
    buf.writeBytes(T);
    writeLong(buf, t);
    buf.writeBytes(PAD);
    buf.writeBytes(X, 0, pad);
    buf.writeBytes(END);
    return buf;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
