package lpe.jobs;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A full disk for an SQLite store, simulated by SQLite's max_page_count: the file may not grow past it, and SQLite
 * answers a write that needs more pages with SQLITE_FULL, as it does to ENOSPC.
 */
public final class FullDisk {
    private FullDisk() {}

    /** Makes the store (migrated) and returns its location, on which it may grow by {@code morePages} pages. */
    public static StoreLocation limitedTo(Path file, int morePages) throws SQLException {
        new JobStore(file).close();
        int pages;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("PRAGMA page_count")) {
            r.next();
            pages = r.getInt(1);
        }
        StoreLocation plain = StoreLocation.sqlite(file);
        Properties pragmas = new Properties();
        pragmas.setProperty("max_page_count", Integer.toString(pages + morePages));
        return new StoreLocation(plain.kind(), plain.jdbcUrl(), pragmas, plain.display(), plain.file());
    }
}
