package lpe.api;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Serves the Prometheus text format at {@code /metrics} on its own HTTP port. With tokens (the admins' of the gRPC
 * side), a scrape must carry {@code Authorization: Bearer <token>} with one of them (Prometheus:
 * {@code authorization: {credentials: ...}}) or gets 401: the metrics name models and count every identity's jobs.
 */
final class MetricsHttpServer implements AutoCloseable {
    private final HttpServer http;

    /** {@code tokens} empty: no authentication. */
    MetricsHttpServer(InetSocketAddress address, List<String> tokens, PrometheusMeterRegistry registry) {
        try {
            http = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the metrics port " + address.getPort() + ": " + e.getMessage(), e);
        }
        List<byte[]> expected = tokens.stream().map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8)).toList();
        http.createContext("/metrics", exchange -> {
            String given = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] header = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
            boolean allowed = expected.isEmpty();
            for (byte[] e : expected) {
                allowed |= MessageDigest.isEqual(e, header);
            }
            if (!allowed) {
                byte[] body = "this server needs a bearer token: send 'Authorization: Bearer <token>'\n"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                exchange.sendResponseHeaders(401, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
    }

    int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
