package lpe.jobs;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs in an SQLite file (WAL; the default) or a PostgreSQL database: the spec, the state and its reason, the latest
 * progress snapshot, the results, and while it is unfinished the job's checkpoint (its estimators' saved states,
 * written with the progress snapshot in one statement). Every write is one statement, committed before it returns, so a process killed
 * at any point leaves every job either as it was or as it became.
 *
 * <p>Opening checks the store before the server takes a job: an SQLite file must be in an existing directory, pass
 * {@code PRAGMA quick_check} and be writable; the schema is migrated by Flyway (db/migration/sqlite or
 * db/migration/postgresql; a store made before versioned migrations is baselined at version 1), and a store of a
 * newer schema version than this server knows is refused. Any of these failures is a
 * {@link StoreUnavailableException} whose one-line message names the store and the problem.
 *
 * <p>While serving: a write that fails (full disk, read-only file) throws {@link StoreUnavailableException} and
 * changes nothing; a lost PostgreSQL connection is reopened with backoff (from 100 ms, doubling to 5 s) for up to
 * {@link #RECONNECT_FOR} before the call fails. A row that cannot be read back is left as it is, skipped (and logged
 * with its job id) by list and restart scans, and reported as {@link UnreadableJobException} when asked for by id.
 *
 * <p>Leases: each store object is one replica ({@link #replica()}). A job it inserts or takes over is held by it until
 * its lease ends ({@link #LEASE} after the last renewal, by the database's clock, so replicas' clocks may differ), and
 * only the holder can write the job ({@link #update} of a job held by another replica changes nothing and returns
 * false). A replica may take over a queued or running job whose lease ended; PostgreSQL picks them with
 * {@code FOR UPDATE SKIP LOCKED}, so replicas taking over at once never pick the same job. An SQLite store serves one
 * replica: it holds an exclusive lock on {@code FILE.lock} while open (a second server on the file is refused; the
 * kernel drops the lock when the process dies), so there a job held by another replica is one of a server that stopped,
 * and is taken over at once.
 */
public final class JobStore implements AutoCloseable {
    static final Duration RECONNECT_FOR = Duration.ofSeconds(30);
    /** How long a lease lasts unless renewed; a replica renews its leases every fifth of this. */
    public static final Duration LEASE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(JobStore.class);
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final java.lang.reflect.Type RESULTS = new TypeToken<List<TargetEstimate>>() {}.getType();

    private final StoreLocation location;
    private final String replica = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String now;
    private final String claimable;
    private Connection db;
    private FileChannel lockFile;

    public JobStore(Path file) {
        this(StoreLocation.sqlite(file));
    }

    public JobStore(StoreLocation location) {
        this.location = location;
        boolean sqlite = location.kind() == StoreLocation.Kind.SQLITE;
        now = sqlite ? "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
                : "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
        claimable = sqlite ? "(lease_holder IS NULL OR lease_holder <> ?)"
                : "(lease_until IS NULL OR lease_until < " + now + ")";
        if (sqlite) {
            checkFile(location.file());
        }
        try {
            db = connect();
            if (location.kind() == StoreLocation.Kind.SQLITE) {
                checkIntegrity();
            }
            migrate();
            probeWrite();
            if (sqlite) {
                lockFile();
            }
        } catch (SQLException | RuntimeException e) {
            close();
            if (e instanceof StoreUnavailableException s) {
                throw s;
            }
            throw unavailable("cannot be opened", e);
        }
    }

    /** The store, as messages name it (never with a password). */
    public StoreLocation location() {
        return location;
    }

    /** This replica's name in the store's leases (random, one per store object). */
    public String replica() {
        return replica;
    }

    /** Stores a new job, held by this replica. */
    public synchronized void insert(Job job) {
        call("cannot store job " + job.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO jobs (id, request_id, spec, state, reason, progress, results, created_at, started_at,
                                      ended_at, owner, model, lease_holder, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, """ + now + " + ?)")) {
                s.setString(1, job.id());
                s.setString(2, job.requestId().isEmpty() ? null : job.requestId());
                s.setString(3, GSON.toJson(job.spec()));
                bindMutable(s, 4, job);
                s.setLong(8, job.createdAt().toEpochMilli());
                setTime(s, 9, job.startedAt());
                setTime(s, 10, job.endedAt());
                s.setString(11, job.owner());
                s.setString(12, job.spec().model());
                s.setString(13, replica);
                s.setLong(14, LEASE.toMillis());
                return s.executeUpdate();
            }
        });
    }

    /**
     * Writes the job's state, progress and results if this replica holds it (a final state drops its checkpoint);
     * false (nothing written) if not.
     */
    public synchronized boolean update(Job job) {
        return call("cannot update job " + job.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = ?, reason = ?, progress = ?, results = ?, started_at = ?, ended_at = ?"""
                    + (job.state().isFinal() ? ", checkpoint = NULL" : "") + " WHERE id = ? AND lease_holder = ?")) {
                bindMutable(s, 1, job);
                setTime(s, 5, job.startedAt());
                setTime(s, 6, job.endedAt());
                s.setString(7, job.id());
                s.setString(8, replica);
                return s.executeUpdate() == 1;
            }
        });
    }

    /** What a renewal found of the jobs this replica runs: those it still holds, and those a client asked to cancel. */
    public record Renewal(Set<String> held, Set<String> cancelRequested) {}

    /**
     * Extends this replica's leases of these jobs (those it runs) and says which it still holds: a job missing from
     * {@code held} was taken over by another replica (this one's lease had ended) or has ended.
     */
    public synchronized Renewal renew(Collection<String> ids) {
        if (ids.isEmpty()) {
            return new Renewal(Set.of(), Set.of());
        }
        String sql = "UPDATE jobs SET lease_until = " + now + " + ? WHERE lease_holder = ?"
                + " AND state IN ('QUEUED', 'RUNNING')"
                + " AND id IN (" + String.join(", ", Collections.nCopies(ids.size(), "?"))
                + ") RETURNING id, cancel_requested";
        return call("cannot renew leases", c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, LEASE.toMillis());
                s.setString(2, replica);
                int i = 3;
                for (String id : ids) {
                    s.setString(i++, id);
                }
                Set<String> held = new HashSet<>();
                Set<String> cancel = new HashSet<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        held.add(r.getString(1));
                        if (r.getBoolean(2)) {
                            cancel.add(r.getString(1));
                        }
                    }
                }
                return new Renewal(held, cancel);
            }
        });
    }

    /** A job this replica took over, and whether a client asked to cancel it. */
    public record TakenOver(Job job, boolean cancelRequested) {}

    /**
     * Takes over, oldest first, up to {@code limit} queued or running jobs of these models whose lease ended (on SQLite:
     * that another replica held, or none), and returns them held by this replica. Unreadable rows are skipped (logged).
     */
    public synchronized List<TakenOver> takeOver(Collection<String> models, int limit) {
        if (models.isEmpty() || limit <= 0) {
            return List.of();
        }
        String sql = "UPDATE jobs SET lease_holder = ?, lease_until = " + now + " + ? WHERE id IN (SELECT id FROM jobs"
                + " WHERE state IN ('QUEUED', 'RUNNING') AND " + claimable + " AND model IN ("
                + String.join(", ", Collections.nCopies(models.size(), "?")) + ") ORDER BY seq LIMIT ?"
                + (location.kind() == StoreLocation.Kind.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING *";
        return call("cannot take over jobs", c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, replica);
                s.setLong(2, LEASE.toMillis());
                int i = bindClaimable(s, 3);
                for (String model : models) {
                    s.setString(i++, model);
                }
                s.setInt(i, limit);
                List<Map.Entry<Long, TakenOver>> taken = new ArrayList<>(); // RETURNING has no order: by seq
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        String id = r.getString("id");
                        try {
                            taken.add(Map.entry(r.getLong("seq"),
                                    new TakenOver(read(r, id), r.getBoolean("cancel_requested"))));
                        } catch (RuntimeException e) {
                            log.warn("job {} in the job store {} cannot be read ({}); not taken over", id, location,
                                    oneLine(e.getClass().getSimpleName() + ": " + e.getMessage()));
                        }
                    }
                }
                taken.sort(Map.Entry.comparingByKey());
                return taken.stream().map(Map.Entry::getValue).toList();
            }
        });
    }

    /** Asks the replica that holds this queued or running job to cancel it (it reads the request when it renews). */
    public synchronized boolean requestCancel(String id) {
        return call("cannot cancel job " + id, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE jobs SET cancel_requested = TRUE WHERE id = ? AND state IN ('QUEUED', 'RUNNING')")) {
                s.setString(1, id);
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Cancels a queued or running job that no live replica holds (its lease ended); false if one holds it or it has
     * ended.
     */
    public synchronized boolean cancelUnheld(String id, String reason, Instant at) {
        return call("cannot cancel job " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE jobs SET state = 'CANCELLED', reason = ?, ended_at = ?"
                    + " WHERE id = ? AND state IN ('QUEUED', 'RUNNING') AND " + claimable)) {
                s.setString(1, reason);
                s.setLong(2, at.toEpochMilli());
                s.setString(3, id);
                bindClaimable(s, 4);
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Writes the job as {@link #update} does and its checkpoint with it, in one statement, if this replica holds it;
     * false (nothing written) if not.
     */
    public synchronized boolean update(Job job, byte[] checkpoint) {
        return call("cannot update job " + job.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = ?, reason = ?, progress = ?, results = ?, started_at = ?, ended_at = ?,
                                    checkpoint = ? WHERE id = ? AND lease_holder = ?""")) {
                bindMutable(s, 1, job);
                setTime(s, 5, job.startedAt());
                setTime(s, 6, job.endedAt());
                s.setBytes(7, checkpoint);
                s.setString(8, job.id());
                s.setString(9, replica);
                return s.executeUpdate() == 1;
            }
        });
    }

    /** The checkpoint stored with the job of this id, if it has one. */
    public synchronized Optional<byte[]> checkpoint(String id) {
        return call("cannot read the checkpoint of job " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT checkpoint FROM jobs WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.ofNullable(r.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    /** The job of this id; {@link UnreadableJobException} if its row cannot be read. */
    public synchronized Optional<Job> find(String id) {
        return queryOne("SELECT * FROM jobs WHERE id = ?", id);
    }

    /** The job of this request id; {@link UnreadableJobException} if its row cannot be read. */
    public synchronized Optional<Job> findByRequestId(String requestId) {
        return queryOne("SELECT * FROM jobs WHERE request_id = ?", requestId);
    }

    /** Newest first; {@code state} null means every state. Unreadable rows are skipped (and logged). */
    public synchronized List<Job> list(JobState state, int limit, int offset) {
        return list(state, null, limit, offset);
    }

    /** Newest first, of {@code owner} only (null: every owner's); {@code state} null means every state. */
    public synchronized List<Job> list(JobState state, String owner, int limit, int offset) {
        List<String> where = new ArrayList<>();
        if (state != null) {
            where.add("state = ?");
        }
        if (owner != null) {
            where.add("owner = ?");
        }
        String sql = "SELECT * FROM jobs" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY seq DESC LIMIT ? OFFSET ?";
        return call("cannot list jobs", c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                int i = 1;
                if (state != null) {
                    s.setString(i++, state.name());
                }
                if (owner != null) {
                    s.setString(i++, owner);
                }
                s.setInt(i++, limit);
                s.setInt(i, offset);
                return readAll(s, true);
            }
        });
    }

    /**
     * Jobs queued or running, oldest first (what a restarted server must resume or mark interrupted). Unreadable rows
     * are skipped (and logged) and stay as they are.
     */
    public synchronized List<Job> unfinished() {
        return call("cannot read unfinished jobs", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT * FROM jobs WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq")) {
                return readAll(s, true);
            }
        });
    }

    @Override
    public synchronized void close() {
        closeQuietly();
        if (lockFile != null) {
            try {
                lockFile.close();
            } catch (IOException e) {
                log.warn("job store {}: cannot release its lock file: {}", location, oneLine(e.getMessage()));
            }
            lockFile = null;
        }
    }

    /** Binds the parameter of {@link #claimable} (SQLite's: this replica) from {@code i}; the next index. */
    private int bindClaimable(PreparedStatement s, int i) throws SQLException {
        if (location.kind() == StoreLocation.Kind.SQLITE) {
            s.setString(i++, replica);
        }
        return i;
    }

    /** An SQLite store serves one server: its lock file is held while the store is open. */
    private void lockFile() {
        Path file = Path.of(location.file() + ".lock");
        try {
            lockFile = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreUnavailableException("job store " + location + " is in use by another lpe server (it"
                        + " holds " + file + "); an SQLite store serves one server: stop that one, or use a"
                        + " postgresql:// store for several replicas", null);
            }
        } catch (IOException e) {
            throw unavailable("cannot be locked (" + file + ")", e);
        }
    }

    private void checkFile(Path file) {
        Path parent = file.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new StoreUnavailableException("job store " + location + ": directory " + parent
                    + " does not exist (create it, or pass another --store)", null);
        }
        if (Files.isDirectory(file)) {
            throw new StoreUnavailableException("job store " + location + " is a directory, not an SQLite file", null);
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(location.jdbcUrl(), location.properties());
        if (location.kind() == StoreLocation.Kind.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** SQLite's quick_check reads every page: a corrupt or truncated file is refused before any job is read. */
    private void checkIntegrity() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
            String first = r.next() ? r.getString(1) : "no answer";
            if (!"ok".equals(first)) {
                throw new StoreUnavailableException("job store " + location + " is corrupt (" + oneLine(first)
                        + "); it is left as it is: move it aside to start on a new store", null);
            }
        }
    }

    private void migrate() {
        Flyway flyway = Flyway.configure(JobStore.class.getClassLoader())
                .dataSource(location.jdbcUrl(), location.properties().getProperty("user"),
                        location.properties().getProperty("password"))
                .locations("classpath:db/migration/" + location.kind().name().toLowerCase())
                .baselineOnMigrate(true)
                .baselineVersion("1")
                .load();
        MigrationVersion known = MigrationVersion.EMPTY;
        MigrationVersion stored = MigrationVersion.EMPTY;
        for (MigrationInfo m : flyway.info().all()) {
            if (m.getVersion() == null) {
                continue;
            }
            boolean future = m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED;
            if (!future && m.getVersion().isNewerThan(known)) {
                known = m.getVersion();
            }
            if (m.getState().isApplied() && m.getVersion().isNewerThan(stored)) {
                stored = m.getVersion();
            }
        }
        if (stored.isNewerThan(known)) {
            throw new StoreUnavailableException("job store " + location + " has schema version " + stored
                    + ", newer than this server's " + known + ": run the lpe version that wrote it, or another --store",
                    null);
        }
        var result = flyway.migrate();
        if (result.migrationsExecuted > 0) {
            log.info("job store {}: schema migrated from version {} to {}", location,
                    result.initialSchemaVersion == null ? "none" : result.initialSchemaVersion, result.targetSchemaVersion);
        }
    }

    /** Writes a row and rolls it back: a read-only file or database is refused at start, not at the first submit. */
    private void probeWrite() throws SQLException {
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            s.executeUpdate("INSERT INTO jobs (id, spec, state, reason, progress, results, created_at)"
                    + " VALUES ('store write check', '', '', '', '', '', 0)");
        } catch (SQLException e) {
            throw unavailable("cannot be written", e);
        } finally {
            db.rollback();
            db.setAutoCommit(true);
        }
    }

    private interface SqlCall<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Runs one store call; where the PostgreSQL connection was lost it is reopened with backoff and the call run
     * again, for up to {@link #RECONNECT_FOR}.
     */
    private <T> T call(String what, SqlCall<T> body) {
        long deadline = System.nanoTime() + RECONNECT_FOR.toNanos();
        long delayMillis = 100;
        while (true) {
            try {
                if (db == null) {
                    db = connect();
                    log.info("job store {}: reconnected", location);
                }
                return body.apply(db);
            } catch (SQLException e) {
                if (location.kind() != StoreLocation.Kind.POSTGRESQL || !connectionLost(e)
                        || System.nanoTime() + delayMillis * 1_000_000 > deadline) {
                    throw unavailable(what, e);
                }
                log.warn("job store {}: {} ({}); retrying in {} ms", location, what, oneLine(e.getMessage()), delayMillis);
                closeQuietly();
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw unavailable(what, e);
                }
                delayMillis = Math.min(delayMillis * 2, 5_000);
            }
        }
    }

    private boolean connectionLost(SQLException e) {
        if (e.getSQLState() != null && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P"))) {
            return true;
        }
        try {
            return db == null || db.isClosed() || !db.isValid(1);
        } catch (SQLException ignored) {
            return true;
        }
    }

    private StoreUnavailableException unavailable(String what, Throwable e) {
        return new StoreUnavailableException("job store " + location + (what.startsWith("cannot be") ? " " : ": ")
                + what + ": " + oneLine(e.getMessage()), e);
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "no detail";
        }
        return message.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("no detail");
    }

    private void closeQuietly() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                log.warn("job store {}: close failed: {}", location, oneLine(e.getMessage()));
            }
            db = null;
        }
    }

    private static void bindMutable(PreparedStatement s, int from, Job job) throws SQLException {
        s.setString(from, job.state().name());
        s.setString(from + 1, job.reason());
        s.setString(from + 2, GSON.toJson(job.progress()));
        s.setString(from + 3, GSON.toJson(job.results(), RESULTS));
    }

    private static void setTime(PreparedStatement s, int i, Instant t) throws SQLException {
        if (t == null) {
            s.setNull(i, java.sql.Types.BIGINT);
        } else {
            s.setLong(i, t.toEpochMilli());
        }
    }

    private Optional<Job> queryOne(String sql, String key) {
        return call("cannot read job " + key, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, key);
                return readAll(s, false).stream().findFirst();
            }
        });
    }

    private List<Job> readAll(PreparedStatement s, boolean skipUnreadable) throws SQLException {
        List<Job> jobs = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                String id = r.getString("id");
                try {
                    jobs.add(read(r, id));
                } catch (RuntimeException e) {
                    String problem = "job " + id + " in the job store " + location + " cannot be read ("
                            + oneLine(e.getClass().getSimpleName() + ": " + e.getMessage()) + "); its row is kept as it is";
                    if (!skipUnreadable) {
                        throw new UnreadableJobException(problem);
                    }
                    log.warn("{}; skipped", problem);
                }
            }
        }
        return jobs;
    }

    private static Job read(ResultSet r, String id) throws SQLException {
        String requestId = r.getString("request_id");
        return new Job(
                id,
                requestId == null ? "" : requestId,
                Objects.requireNonNull(GSON.fromJson(r.getString("spec"), JobSpec.class), "no spec"),
                JobState.valueOf(r.getString("state")),
                Objects.requireNonNull(r.getString("reason"), "no reason"),
                Objects.requireNonNull(GSON.fromJson(r.getString("progress"), Progress.class), "no progress"),
                Objects.requireNonNull(GSON.fromJson(r.getString("results"), RESULTS), "no results"),
                Instant.ofEpochMilli(r.getLong("created_at")),
                time(r, "started_at"),
                time(r, "ended_at"),
                Objects.requireNonNull(r.getString("owner"), "no owner"));
    }

    private static Instant time(ResultSet r, String column) throws SQLException {
        long t = r.getLong(column);
        return r.wasNull() ? null : Instant.ofEpochMilli(t);
    }
}
