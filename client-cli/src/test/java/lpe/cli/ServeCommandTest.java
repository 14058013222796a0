package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lpe serve} on a store it cannot use: one line naming the store and the problem, exit 1, nothing served. */
class ServeCommandTest {
    @TempDir
    Path dir;

    private CliRun serve(String store) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        return CliRun.of("serve", "--model-root", models.toString(), "--store", store, "--port", "0",
                "--metrics-port", "-1");
    }

    @Test
    void aStoreInAMissingDirectoryIsOneLineAndTheDirectoryIsNotMade() throws Exception {
        Path store = dir.resolve("nowhere/jobs.db");
        CliRun run = serve(store.toString());
        assertEquals(1, run.exit());
        assertEquals("lpe serve: job store " + store + ": directory " + store.getParent()
                + " does not exist (create it, or pass another --store)", run.oneLineError());
        assertTrue(Files.notExists(store.getParent()));
    }

    @Test
    void aStoreFileThatIsNotADatabaseIsOneLineAndLeftAsItIs() throws Exception {
        Path store = Files.writeString(dir.resolve("jobs.db"), "notes, not jobs\n".repeat(300));
        CliRun run = serve(store.toString());
        assertEquals(1, run.exit());
        assertTrue(run.oneLineError().startsWith("lpe serve: job store " + store + " cannot be opened: "),
                run.err());
        assertEquals("notes, not jobs\n".repeat(300), Files.readString(store));
    }

    @Test
    void anUnreachablePostgresqlStoreIsOneLineWithoutItsPassword() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun run = serve("postgresql://lpe:hunter2@127.0.0.1:" + port + "/jobs");
        assertEquals(1, run.exit());
        String line = run.oneLineError();
        assertTrue(line.startsWith("lpe serve: job store postgresql://lpe:***@127.0.0.1:" + port
                + "/jobs cannot be opened: "), line);
        assertTrue(!line.contains("hunter2"), line);
    }
}
