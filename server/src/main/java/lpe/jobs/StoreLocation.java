package lpe.jobs;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the job store lives: an SQLite file (the default) or a PostgreSQL database named by a
 * {@code postgresql://user:password@host:port/database?param=value} URL (libpq's form; the parameters are pgjdbc's).
 * {@code display} names the store in messages and never shows a password; {@code properties} go to the JDBC driver
 * (SQLite takes its pragmas there, PostgreSQL the user and password).
 */
public record StoreLocation(Kind kind, String jdbcUrl, Properties properties, String display, Path file) {

    public enum Kind { SQLITE, POSTGRESQL }

    /** A {@code postgresql://} (or {@code postgres://}) URL, else the path of an SQLite file. */
    public static StoreLocation parse(String text) {
        if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
            return postgresql(text);
        }
        return sqlite(Path.of(text));
    }

    public static StoreLocation sqlite(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return new StoreLocation(Kind.SQLITE, "jdbc:sqlite:" + absolute, new Properties(), absolute.toString(), absolute);
    }

    private static StoreLocation postgresql(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--store: not a postgresql:// URL: " + e.getMessage());
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() <= 1) {
            throw new IllegalArgumentException("--store: a PostgreSQL store is postgresql://[user[:password]@]host"
                    + "[:port]/database; got " + redact(uri));
        }
        Properties properties = new Properties();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            properties.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            if (colon >= 0) {
                properties.setProperty("password", decode(userInfo.substring(colon + 1)));
            }
        }
        String hostPort = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        String jdbc = "jdbc:postgresql://" + hostPort + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new StoreLocation(Kind.POSTGRESQL, jdbc, properties, redact(uri), null);
    }

    private static String redact(URI uri) {
        return "postgresql://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo().replaceAll(":.*", ":***") + "@")
                + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return display;
    }
}
