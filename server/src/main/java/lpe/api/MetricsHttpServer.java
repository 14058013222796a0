package lpe.api;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executors;

/**
 * Serves the Prometheus text format at {@code /metrics} on its own HTTP port. With a token, a scrape must carry
 * {@code Authorization: Bearer <token>} (Prometheus: {@code authorization: {credentials: ...}}) or gets 401: the
 * metrics name models and counts jobs, which the token guards on the gRPC side too.
 */
final class MetricsHttpServer implements AutoCloseable {
    private final HttpServer http;

    MetricsHttpServer(InetSocketAddress address, String token, PrometheusMeterRegistry registry) {
        try {
            http = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the metrics port " + address.getPort() + ": " + e.getMessage(), e);
        }
        byte[] expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        http.createContext("/metrics", exchange -> {
            String given = exchange.getRequestHeaders().getFirst("Authorization");
            if (expected != null && (given == null
                    || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8)))) {
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
