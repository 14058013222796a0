package lpe.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import lpe.client.LpeClient;
import picocli.CommandLine.Option;

/**
 * How to reach an lpe server: {@code --server HOST:PORT} plus TLS and token options. Shared (as a picocli mixin) by
 * every command that can run on a server; also turns the server's failures into one-line messages.
 */
public final class ServerOptions {

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[^:\\s\\[\\]]+):(\\d{1,5})");

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "Run on the lpe server at HOST:PORT instead of in-process.")
    String server;

    @Option(names = "--tls", description = "Connect to the server with TLS (trusting the JVM's certificate authorities).")
    boolean tls;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "Connect with TLS, trusting the certificate authorities in this PEM file (implies --tls).")
    Path tlsCa;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:LPE_TOKEN}",
            description = "Bearer token the server requires (default: $LPE_TOKEN).")
    String token;

    /** Whether --server was given. */
    public boolean remote() {
        return server != null;
    }

    public String server() {
        return server;
    }

    /** A client of the server; throws {@link UserError} for a malformed --server or an unreadable --tls-ca. */
    public LpeClient connect() {
        if (server == null) {
            throw new UserError("--server HOST:PORT is required");
        }
        var m = HOST_PORT.matcher(server);
        if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
            throw new UserError("--server: expected HOST:PORT (e.g. localhost:50051), got '" + server + "'");
        }
        var builder = LpeClient.builder(server);
        if (tlsCa != null) {
            if (!Files.isReadable(tlsCa)) {
                throw new UserError("--tls-ca: cannot read " + tlsCa);
            }
            builder.tls(tlsCa);
        } else if (tls) {
            builder.tls();
        }
        if (token != null && !token.isBlank()) {
            builder.bearerToken(token);
        }
        return builder.build();
    }

    /** One line saying what went wrong talking to the server, and what to do, while doing {@code what}. */
    public UserError explain(StatusRuntimeException e, String what) {
        Status s = e.getStatus();
        String detail = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
        String message = switch (s.getCode()) {
            case UNAVAILABLE -> unavailable(e, what, detail);
            case UNAUTHENTICATED -> "the server at " + server + " refused the credentials (" + detail
                    + "); pass the right token with --token or LPE_TOKEN";
            case PERMISSION_DENIED -> "the server at " + server + " does not allow " + what + ": " + detail;
            case NOT_FOUND -> "not found on the server at " + server + ": " + detail;
            case DEADLINE_EXCEEDED -> "the server at " + server + " did not answer in time while " + what;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, OUT_OF_RANGE, ALREADY_EXISTS ->
                    "the server refused " + what + ": " + detail;
            default -> "the server at " + server + " failed while " + what + ": " + s.getCode() + ": " + detail;
        };
        return new UserError(message, e);
    }

    private String unavailable(StatusRuntimeException e, String what, String detail) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return "TLS handshake with " + server + " failed (" + c.getMessage()
                        + "); does the server use TLS, and does --tls-ca hold its certificate authority?";
            }
            if (c instanceof java.net.ConnectException) {
                return "cannot reach an lpe server at " + server + " (" + c.getMessage()
                        + "); is it running? (./lpe serve)";
            }
        }
        return "lost the connection to the server at " + server + " while " + what + " (" + detail + ")"
                + (tls || tlsCa != null ? "" : "; if the server uses TLS, add --tls or --tls-ca");
    }
}
