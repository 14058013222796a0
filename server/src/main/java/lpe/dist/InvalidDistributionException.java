package lpe.dist;

/**
 * A distribution spec, preset name or corpus that cannot be turned into an {@link InputDistribution}. {@link #field()}
 * names what was wrong ({@code positions[2].match}, {@code dist}, {@code corpus}) so that the API can report it as a
 * field violation; the message says the field and the reason.
 */
public final class InvalidDistributionException extends IllegalArgumentException {
    private final String field;
    private final String reason;

    public InvalidDistributionException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
