package lpe.cli;

/** A failure the user can act on: the CLI prints its message as one line and exits non-zero, without a stack trace. */
public final class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
