package lpe.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store: the contract, plus what only a file can do wrong (missing directory, corrupt or truncated file,
 * read-only file or directory, full disk) and the migration of a store made before versioned migrations.
 */
class SqliteJobStoreTest extends JobStoreContract {
    @TempDir
    Path dir;

    private final List<Path> madeReadOnly = new ArrayList<>();

    @Override
    StoreLocation newStore() throws Exception {
        return StoreLocation.sqlite(Files.createTempDirectory(dir, "store").resolve("jobs.db"));
    }

    @Override
    Connection raw(StoreLocation store) throws SQLException {
        return DriverManager.getConnection(store.jdbcUrl());
    }

    @AfterEach
    void makeWritableAgain() {
        madeReadOnly.forEach(ReadOnlyFiles::undo);
    }

    @Test
    void aStoreInAMissingDirectoryIsRefusedAndTheDirectoryNotMade() {
        Path file = dir.resolve("no-such-dir/jobs.db");
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(file));
        assertEquals("job store " + file + ": directory " + dir.resolve("no-such-dir")
                + " does not exist (create it, or pass another --store)", e.getMessage());
        assertFalse(Files.exists(dir.resolve("no-such-dir")));
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedAndLeftAsItIs() throws Exception {
        Path file = dir.resolve("jobs.db");
        byte[] garbage = "this is not an SQLite database, but it is somebody's file\n".repeat(200).getBytes();
        Files.write(file, garbage);
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(file));
        assertTrue(e.getMessage().startsWith("job store " + file + " cannot be opened: "), e.getMessage());
        assertTrue(e.getMessage().contains("not a database"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertArrayEquals(garbage, Files.readAllBytes(file));
    }

    @Test
    void aTruncatedStoreIsRefusedAndLeftAsItIs() throws Exception {
        Path file = dir.resolve("jobs.db");
        try (JobStore store = new JobStore(file)) {
            for (int i = 0; i < 200; i++) {
                store.insert(job("job" + i, "", JobState.QUEUED).withState(JobState.FAILED, "x".repeat(2000), T));
            }
        }
        long size = Files.size(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size / 2);
        }
        byte[] truncated = Files.readAllBytes(file);
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(file));
        assertTrue(e.getMessage().startsWith("job store " + file + " "), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt") || e.getMessage().contains("malformed"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertArrayEquals(truncated, Files.readAllBytes(file));
    }

    @Test
    void aReadOnlyStoreFileIsRefusedAtStart() throws Exception {
        Path file = dir.resolve("jobs.db");
        try (JobStore store = new JobStore(file)) {
            store.insert(job("a", "", JobState.SUCCEEDED));
        }
        madeReadOnly.add(ReadOnlyFiles.make(file));
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(file));
        assertTrue(e.getMessage().startsWith("job store " + file + " cannot be "), e.getMessage());
        assertTrue(e.getMessage().contains("readonly") || e.getMessage().contains("unable to open"), e.getMessage());
        ReadOnlyFiles.undo(file);
        try (JobStore store = new JobStore(file)) {
            assertTrue(store.find("a").isPresent());
        }
    }

    @Test
    void aStoreInAReadOnlyDirectoryIsRefusedAtStart() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("ro"));
        Path file = sub.resolve("jobs.db");
        try (JobStore store = new JobStore(file)) {
            store.insert(job("a", "", JobState.SUCCEEDED));
        }
        madeReadOnly.add(ReadOnlyFiles.make(sub));
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> new JobStore(file));
        assertTrue(e.getMessage().startsWith("job store " + file + " cannot be "), e.getMessage());
        ReadOnlyFiles.undo(sub);
        try (JobStore store = new JobStore(file)) {
            assertTrue(store.find("a").isPresent());
        }
    }

    /**
     * A full disk, simulated by SQLite's max_page_count (the file may not grow past it; SQLite answers as it does to
     * ENOSPC): the insert that does not fit fails naming the store, and every job stored before is kept whole.
     */
    @Test
    void aFullStoreRefusesTheJobThatDoesNotFitAndKeepsEveryOther() throws Exception {
        Path file = dir.resolve("jobs.db");
        StoreLocation full = FullDisk.limitedTo(file, 4);
        List<Job> stored = new ArrayList<>();
        StoreUnavailableException refused = null;
        try (JobStore store = new JobStore(full)) {
            for (int i = 0; i < 100 && refused == null; i++) {
                Job j = job("job" + i, "", JobState.QUEUED).withState(JobState.FAILED, "x".repeat(1500), T);
                try {
                    store.insert(j);
                    stored.add(j);
                } catch (StoreUnavailableException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the store never filled up");
            assertTrue(refused.getMessage().startsWith("job store " + file + ": cannot store job job" + stored.size()
                    + ": "), refused.getMessage());
            assertTrue(refused.getMessage().contains("full"), refused.getMessage());
            assertFalse(stored.isEmpty());
            for (Job j : stored) {
                assertEquals(j, store.find(j.id()).orElseThrow());
            }
        }
        try (JobStore store = new JobStore(file)) {
            assertEquals(stored.size(), store.list(null, 1000, 0).size());
        }
    }

    @Test
    void aStoreMadeBeforeVersionedMigrationsIsMigratedWithItsJobs() throws Exception {
        Path file = dir.resolve("jobs.db");
        Job before = job("old", "req-old", JobState.SUCCEEDED);
        try (JobStore store = new JobStore(file)) {
            store.insert(before);
        }
        // What the store was before: the same table, no history, no index, no checkpoint, owner and lease columns.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("DROP TABLE flyway_schema_history");
            s.execute("DROP INDEX jobs_by_state");
            for (String column : List.of("checkpoint", "owner", "model", "lease_holder", "lease_until",
                    "cancel_requested")) {
                s.execute("ALTER TABLE jobs DROP COLUMN " + column);
            }
        }
        try (JobStore store = new JobStore(file)) {
            assertEquals(before, store.find("old").orElseThrow());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            assertEquals("4", latestVersion(s));
            try (ResultSet r = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index'"
                    + " AND name = 'jobs_by_state'")) {
                assertTrue(r.next());
            }
        }
    }
}
