package lpe.jobs;

import java.util.List;
import java.util.stream.Collectors;

/** A request that fails validation: one violation per bad field, named by its proto field path. */
public final class InvalidRequestException extends RuntimeException {
    private final List<Violation> violations;

    public InvalidRequestException(List<Violation> violations) {
        super(violations.stream().map(v -> v.field() + ": " + v.description()).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public InvalidRequestException(String field, String description) {
        this(List.of(new Violation(field, description)));
    }

    public List<Violation> violations() {
        return violations;
    }

    /** A bad field (e.g. {@code spec.targets[1]}) and what was wrong with it. */
    public record Violation(String field, String description) {}
}
