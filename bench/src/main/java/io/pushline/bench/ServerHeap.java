package io.pushline.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The live heap of a server JVM on this machine: its heap in use right after a full collection, read over JMX. RSS
 * says what the operating system gives a process, which for a JVM is mostly how far its heap has grown; the live
 * heap says what the connections themselves hold, whatever the collector and the heap's sizing.
 *
 * <p>Attaches with the JDK's attach API (same user, a JDK's {@code jdk.attach} module here, the target not started with
 * {@code -XX:+DisableAttachMechanism}), which starts the target's local JMX agent once. Each reading connects, asks
 * for a full collection ({@code MemoryMXBean.gc()}, as {@code System.gc()} there; ignored with {@code
 * -XX:+DisableExplicitGC}) and disconnects, so no JMX connection is open in the server while it is measured.
 */
public final class ServerHeap {

  private final long pid;
  private final JMXServiceURL agent;

  private ServerHeap(long pid, JMXServiceURL agent) {
    this.pid = pid;
    this.agent = agent;
  }

  /** Starts the local JMX agent of JVM {@code pid}; fails with the reason when it cannot. */
  public static ServerHeap attach(long pid) {
    if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      throw new BenchException("--server-heap: no process " + pid + " on this machine");
    }
    try {
      VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
      ServerHeap heap;
      try {
        heap = new ServerHeap(pid, new JMXServiceURL(vm.startLocalManagementAgent()));
      } finally {
        vm.detach();
      }
      // The first JMX connection leaves objects in the server for good (RMI's and the agent's); read once and
      // discard, so that they are in both readings rather than in the difference (half a megabyte, seen).
      heap.liveBytes();
      return heap;
    } catch (LinkageError e) {
      throw new BenchException("--server-heap needs a JDK (its jdk.attach module) to run the generator: " + e);
    } catch (Exception e) {
      throw new BenchException("--server-heap: cannot attach to JVM " + pid + " (same user? a JVM started without "
          + "-XX:+DisableAttachMechanism?): " + e);
    }
  }

  /** The heap in use after a full collection, in bytes; -1 when the server could not be asked (it is gone, say). */
  public long liveBytes() {
    try (JMXConnector connector = JMXConnectorFactory.connect(agent)) {
      MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
          ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
      memory.gc();
      return memory.getHeapMemoryUsage().getUsed();
    } catch (IOException | RuntimeException e) {
      System.err.println("[bench] --server-heap: could not read the heap of JVM " + pid + ": " + e);
      return -1;
    }
  }
}
