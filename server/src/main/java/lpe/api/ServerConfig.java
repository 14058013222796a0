package lpe.api;

import java.nio.file.Path;
import java.util.List;

/**
 * The gRPC side of the server: port (0 picks a free one), the Prometheus port (0 picks one, -1 disables), an optional
 * bearer token every call (and every metrics scrape) must carry, optional TLS (PEM certificate chain and private key),
 * the models to load before health reports SERVING, and the address both listen on ({@code bind}; null: every
 * interface).
 */
public record ServerConfig(int port, int metricsPort, String bearerToken, Path tlsCertificate, Path tlsPrivateKey,
        List<String> preload, String bind) {

    /** Listening on every interface. */
    public ServerConfig(int port, int metricsPort, String bearerToken, Path tlsCertificate, Path tlsPrivateKey,
            List<String> preload) {
        this(port, metricsPort, bearerToken, tlsCertificate, tlsPrivateKey, preload, null);
    }

    public ServerConfig {
        preload = List.copyOf(preload);
        if ((tlsCertificate == null) != (tlsPrivateKey == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate chain and a private key");
        }
    }

    public boolean tls() {
        return tlsCertificate != null;
    }
}
