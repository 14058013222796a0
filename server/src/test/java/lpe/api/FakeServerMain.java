package lpe.api;

import java.nio.file.Path;

/**
 * A server on fakes in its own JVM, for the kill -9 test: {@code FakeServerMain DIR}. Prints {@code PORT n} once it
 * serves, then runs until killed. At most one job runs at a time; each device batch sleeps 10 ms.
 */
public final class FakeServerMain {
    private FakeServerMain() {}

    public static void main(String[] args) throws Exception {
        TestServer server = new TestServer(Path.of(args[0]), 10, 1, 8, null, true);
        System.out.println("PORT " + server.server.port());
        System.out.flush();
        server.server.awaitTermination();
    }
}
