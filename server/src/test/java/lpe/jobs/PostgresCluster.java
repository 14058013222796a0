package lpe.jobs;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A throwaway PostgreSQL cluster from Debian's packages ({@code /usr/lib/postgresql/N/bin}), made with initdb in a
 * temporary directory and served on a free loopback port for one test class ({@code @RegisterExtension static}).
 * Run as root, its commands run as the {@code postgres} user that the package creates (initdb refuses root). Each
 * {@link #newDatabase()} is an empty database of its own. A missing installation fails the test class; it is never
 * skipped.
 */
public final class PostgresCluster implements BeforeAllCallback, AfterAllCallback {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final boolean durable;
    private Path bin;
    private Path dir;
    private int port;
    private boolean asPostgresUser;

    /** For tests: fsync off (a crash of the test machine may lose the throwaway cluster). */
    public PostgresCluster() {
        this(false);
    }

    /** {@code durable}: PostgreSQL's default fsync and synchronous commits, as a production server runs (benchmarks). */
    public PostgresCluster(boolean durable) {
        this.durable = durable;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        bin = findBin();
        dir = Files.createTempDirectory("lpe-pg");
        asPostgresUser = "root".equals(System.getProperty("user.name"));
        if (asPostgresUser) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
        }
        port = freePort();
        run(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "lpe", "--auth=trust",
                "-E", "UTF8", "--no-sync", "--no-instructions");
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (dir == null) {
            return;
        }
        try {
            stop();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Starts the cluster (again) and waits until it accepts connections. */
    public void start() throws Exception {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                "-w", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1" + (durable ? "" : " -c fsync=off"), "start");
    }

    /** Stops it at once, as a crash would (open connections are cut). */
    public void stop() throws Exception {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
    }

    int port() {
        return port;
    }

    /** A new empty database, as a {@code postgresql://} store. */
    public StoreLocation newDatabase() throws SQLException {
        String name = "jobs" + DATABASES.incrementAndGet();
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return StoreLocation.parse("postgresql://lpe@127.0.0.1:" + port + "/" + name);
    }

    /** A connection to a store's database, beside the store's own. */
    static Connection connect(StoreLocation store) throws SQLException {
        return DriverManager.getConnection(store.jdbcUrl(), store.properties());
    }

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=lpe");
    }

    private void run(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>();
        if (asPostgresUser) {
            line.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", line) + " failed: " + output);
        }
    }

    private static Path findBin() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())));
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb):"
                + " apt-get install postgresql (.ci/run does)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
