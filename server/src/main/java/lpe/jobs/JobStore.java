package lpe.jobs;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Jobs in an embedded SQLite database (WAL): the spec, the state and its reason, the latest progress snapshot, and the
 * results. Every write is one statement, committed before it returns, so a process killed at any point leaves every
 * job either as it was or as it became.
 */
public final class JobStore implements AutoCloseable {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final java.lang.reflect.Type RESULTS = new TypeToken<List<TargetEstimate>>() {}.getType();

    private final Connection db;

    public JobStore(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS jobs (
                          seq INTEGER PRIMARY KEY AUTOINCREMENT,
                          id TEXT NOT NULL UNIQUE,
                          request_id TEXT UNIQUE,
                          spec TEXT NOT NULL,
                          state TEXT NOT NULL,
                          reason TEXT NOT NULL,
                          progress TEXT NOT NULL,
                          results TEXT NOT NULL,
                          created_at INTEGER NOT NULL,
                          started_at INTEGER,
                          ended_at INTEGER)""");
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the job store " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized void insert(Job job) {
        try (PreparedStatement s = db.prepareStatement("""
                INSERT INTO jobs (id, request_id, spec, state, reason, progress, results, created_at, started_at,
                                  ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            s.setString(1, job.id());
            s.setString(2, job.requestId().isEmpty() ? null : job.requestId());
            s.setString(3, GSON.toJson(job.spec()));
            bindMutable(s, 4, job);
            s.setLong(8, job.createdAt().toEpochMilli());
            setTime(s, 9, job.startedAt());
            setTime(s, 10, job.endedAt());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("job store: cannot insert job " + job.id() + ": " + e.getMessage(), e);
        }
    }

    public synchronized void update(Job job) {
        try (PreparedStatement s = db.prepareStatement("""
                UPDATE jobs SET state = ?, reason = ?, progress = ?, results = ?, started_at = ?, ended_at = ?
                WHERE id = ?""")) {
            bindMutable(s, 1, job);
            setTime(s, 5, job.startedAt());
            setTime(s, 6, job.endedAt());
            s.setString(7, job.id());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("job store: cannot update job " + job.id() + ": " + e.getMessage(), e);
        }
    }

    public synchronized Optional<Job> find(String id) {
        return queryOne("SELECT * FROM jobs WHERE id = ?", id);
    }

    public synchronized Optional<Job> findByRequestId(String requestId) {
        return queryOne("SELECT * FROM jobs WHERE request_id = ?", requestId);
    }

    /** Newest first; {@code state} null means every state. */
    public synchronized List<Job> list(JobState state, int limit, int offset) {
        String sql = "SELECT * FROM jobs" + (state == null ? "" : " WHERE state = ?") + " ORDER BY seq DESC LIMIT ? OFFSET ?";
        try (PreparedStatement s = db.prepareStatement(sql)) {
            int i = 1;
            if (state != null) {
                s.setString(i++, state.name());
            }
            s.setInt(i++, limit);
            s.setInt(i, offset);
            return readAll(s);
        } catch (SQLException e) {
            throw new IllegalStateException("job store: cannot list jobs: " + e.getMessage(), e);
        }
    }

    /** Jobs queued or running, oldest first (what a restarted server must resume or mark interrupted). */
    public synchronized List<Job> unfinished() {
        try (PreparedStatement s = db.prepareStatement(
                "SELECT * FROM jobs WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq")) {
            return readAll(s);
        } catch (SQLException e) {
            throw new IllegalStateException("job store: cannot read unfinished jobs: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("job store: close failed: " + e.getMessage(), e);
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
            s.setNull(i, java.sql.Types.INTEGER);
        } else {
            s.setLong(i, t.toEpochMilli());
        }
    }

    private Optional<Job> queryOne(String sql, String key) {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, key);
            List<Job> jobs = readAll(s);
            return jobs.stream().findFirst();
        } catch (SQLException e) {
            throw new IllegalStateException("job store: cannot read job " + key + ": " + e.getMessage(), e);
        }
    }

    private static List<Job> readAll(PreparedStatement s) throws SQLException {
        List<Job> jobs = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                String requestId = r.getString("request_id");
                jobs.add(new Job(
                        r.getString("id"),
                        requestId == null ? "" : requestId,
                        GSON.fromJson(r.getString("spec"), JobSpec.class),
                        JobState.valueOf(r.getString("state")),
                        r.getString("reason"),
                        GSON.fromJson(r.getString("progress"), Progress.class),
                        GSON.fromJson(r.getString("results"), RESULTS),
                        Instant.ofEpochMilli(r.getLong("created_at")),
                        time(r, "started_at"),
                        time(r, "ended_at")));
            }
        }
        return jobs;
    }

    private static Instant time(ResultSet r, String column) throws SQLException {
        long t = r.getLong(column);
        return r.wasNull() ? null : Instant.ofEpochMilli(t);
    }
}
