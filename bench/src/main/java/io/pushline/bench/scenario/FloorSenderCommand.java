package io.pushline.bench.scenario;

import io.pushline.bench.BenchException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sending half of {@link FanoutFloor}, in a child JVM of its own (one process cannot hold both ends of 10,000
 * connections under a 20,000 open-file limit). It does nothing a server could skip: blocking writes of one frame,
 * prepared once, to every connection, the connections split over {@code --threads} threads. Over stdin/stdout:
 * prints {@code port N}, accepts {@code --clients} connections on 127.0.0.1, prints {@code ready}; then each
 * {@code go} writes the frame once to every connection and prints {@code wrote <nanos>}; end of input ends it, also
 * while it still waits for connections.
 */
@Command(name = "floor-sender", hidden = true,
    description = "Internal: the sending half of broadcast --floor, run in a child JVM.")
public final class FloorSenderCommand extends ScenarioCommand {

  @Option(names = "--clients", required = true)
  int clients;

  @Option(names = "--threads", required = true)
  int threads;

  @Option(names = "--payload-bytes", required = true)
  int payloadBytes;

  /** What {@link #readCommands} queues when the generator's end of stdin closes; by identity, so no line is it. */
  private static final String END = new String("end of input");

  /**
   * The generator's commands, read on a thread of their own from the start: when the generator goes away (its end
   * of stdin closes), even while this process still waits for connections, {@code server} is closed and the process
   * ends rather than wait for ever.
   */
  private static BlockingQueue<String> readCommands(ServerSocketChannel server) {
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
        String line;
        while ((line = in.readLine()) != null) {
          commands.add(line);
        }
      } catch (IOException ignored) {
        // as the end of input
      }
      commands.add(END);
      try {
        server.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }, "floor-sender-stdin");
    t.setDaemon(true);
    t.start();
    return commands;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter o = out();
    List<SocketChannel> conns = new ArrayList<>(clients);
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "floor-sender");
      t.setDaemon(true);
      return t;
    });
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      BlockingQueue<String> commands = readCommands(server);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clients);
      o.println("port " + ((InetSocketAddress) server.getLocalAddress()).getPort());
      for (int i = 0; i < clients; i++) {
        SocketChannel c = server.accept();
        c.setOption(StandardSocketOptions.TCP_NODELAY, true); // as a server's page sockets
        conns.add(c);
      }
      o.println("ready");
      List<Callable<Void>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<SocketChannel> mine = conns.subList(conns.size() * t / threads, conns.size() * (t + 1) / threads);
        ByteBuffer frame = FanoutFloor.frame(payloadBytes);
        writers.add(() -> {
          for (SocketChannel c : mine) {
            frame.clear();
            while (frame.hasRemaining()) {
              c.write(frame);
            }
          }
          return null;
        });
      }
      String line;
      while ((line = commands.take()) != END) {
        if (!"go".equals(line)) {
          continue;
        }
        long t0 = System.nanoTime();
        for (Future<Void> f : pool.invokeAll(writers)) {
          f.get();
        }
        o.println("wrote " + (System.nanoTime() - t0));
      }
      return 0;
    } catch (ExecutionException e) {
      throw new BenchException("floor sender: a write failed: " + e.getCause());
    } catch (ClosedChannelException e) {
      return 0; // the generator went away while its connections were being accepted
    } finally {
      pool.shutdownNow();
      for (SocketChannel c : conns) {
        c.close();
      }
    }
  }
}
