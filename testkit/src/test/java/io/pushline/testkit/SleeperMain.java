package io.pushline.testkit;

/** Child-JVM main for JavaProcessTest: says it is ready, then lives until it is killed or terminated. */
public final class SleeperMain {

    private SleeperMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Printed on SIGTERM (terminate()) but never on SIGKILL (kill()), which is what the test tells apart.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
        System.out.println("ready " + System.getenv("TESTKIT_GREETING") + " " + String.join(" ", args));
        System.err.println("to stderr ✓");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
