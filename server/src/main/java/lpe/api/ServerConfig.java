package lpe.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lpe.jobs.Caller;

/**
 * The gRPC side of the server: port (0 picks a free one), the Prometheus port (0 picks one, -1 disables), the bearer
 * tokens every call must carry with the identity each stands for ({@code tokens}: token to {@link Caller}; empty: no
 * authentication; a metrics scrape needs an admin's token), optional TLS (PEM certificate chain and private key), the
 * models to load before health reports SERVING, and the address both listen on ({@code bind}; null: every
 * interface).
 */
public record ServerConfig(int port, int metricsPort, Map<String, Caller> tokens, Path tlsCertificate,
        Path tlsPrivateKey, List<String> preload, String bind) {
    /** The identity of the single {@code --token}. */
    public static final Caller SINGLE_TOKEN = new Caller("admin", true);

    /** With one bearer token (null: none), an admin named "admin". */
    public ServerConfig(int port, int metricsPort, String bearerToken, Path tlsCertificate, Path tlsPrivateKey,
            List<String> preload, String bind) {
        this(port, metricsPort, bearerToken == null ? Map.of() : Map.of(bearerToken, SINGLE_TOKEN), tlsCertificate,
                tlsPrivateKey, preload, bind);
    }

    /** With one bearer token (null: none), listening on every interface. */
    public ServerConfig(int port, int metricsPort, String bearerToken, Path tlsCertificate, Path tlsPrivateKey,
            List<String> preload) {
        this(port, metricsPort, bearerToken, tlsCertificate, tlsPrivateKey, preload, null);
    }

    public ServerConfig {
        tokens = Map.copyOf(tokens);
        preload = List.copyOf(preload);
        if ((tlsCertificate == null) != (tlsPrivateKey == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate chain and a private key");
        }
    }

    public boolean authenticated() {
        return !tokens.isEmpty();
    }

    public boolean tls() {
        return tlsCertificate != null;
    }
}
