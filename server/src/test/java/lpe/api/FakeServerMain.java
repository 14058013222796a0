package lpe.api;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import lpe.jobs.StoreLocation;

/**
 * A server on fakes in its own JVM, for the kill -9 tests, the replicas' test and bench, and the soak:
 * {@code FakeServerMain DIR [MAX_RUNNING MAX_QUEUED BATCH_SLEEP_MS [STORE MODEL,...]]}. Prints {@code PORT n} once it
 * serves, then runs until killed. By default at most one job runs at a time, 8 wait, each device batch sleeps 10 ms, the
 * store is DIR/jobs.db and the models are m and other. Given sizes (the soak), the fake engine forgets its batches
 * every second, so that the server's own heap is what grows.
 */
public final class FakeServerMain {
    private FakeServerMain() {}

    public static void main(String[] args) throws Exception {
        int maxRunning = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int maxQueued = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        long sleepMillis = args.length > 3 ? Long.parseLong(args[3]) : 10;
        Path dir = Path.of(args[0]);
        StoreLocation store = StoreLocation.parse(args.length > 4 ? args[4] : dir.resolve("jobs.db").toString());
        List<String> models = args.length > 5 ? Arrays.asList(args[5].split(",")) : List.of("m", "other");
        TestServer server = new TestServer(dir, store, models, new ServerConfig(0, -1, null, null, null, List.of("m")),
                sleepMillis, maxRunning, maxQueued, true);
        if (args.length > 1) { // the soak: nothing may pile up in the fake engine for the server's heap to be measured
            Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    var engine = server.loader.lastEngine;
                    if (engine != null) {
                        engine.forgetBatches();
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
        System.out.println("PORT " + server.server.port());
        System.out.flush();
        server.server.awaitTermination();
    }
}
