package lpe.jobs;

import java.util.function.BooleanSupplier;

/** Polling with a bound: a condition that never comes fails the test instead of hanging it. */
public final class Waits {
    private Waits() {}

    public static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
