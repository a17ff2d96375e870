package io.pushline.testkit;

/** Child-JVM main for JavaProcessTest: prints one line and exits with the code given as its argument. */
public final class ExitMain {

    private ExitMain() {
    }

    public static void main(String[] args) {
        System.out.println("done");
        System.exit(Integer.parseInt(args[0]));
    }
}
