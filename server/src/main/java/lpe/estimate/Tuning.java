package lpe.estimate;

/**
 * How the importance-sampling methods tune themselves, beyond the question asked (see {@link EstimationProblem}).
 *
 * @param defensiveShare α of the defensive mixture (1 − α)·q + α·p that ITGIS samples from, and the share of MHIS's
 *     budget drawn from p itself; in (0, 1). It bounds every importance weight by 1/α (so ITGIS's variance is at most
 *     about 1/α times plain sampling's) and gives the zero-hit upper bound.
 * @param pilotFraction share of the budget the adaptive temperature rule spends on pilots, in (0, 0.5]; counted in
 *     the budget.
 * @param temperatureRule how an unspecified temperature is chosen
 */
public record Tuning(double defensiveShare, double pilotFraction, Rule temperatureRule) {

    /**
     * How an unspecified temperature is chosen: the method's default (itgis: the paper's table; itgis-ce and auto:
     * adaptive, docs/methods.md), the adaptive rule's pilots, or the paper's table.
     */
    public enum Rule {
        METHOD_DEFAULT, ADAPTIVE, PAPER_TABLE;

        /** The rule a spec or option names: "adaptive", "paper-table", or null or empty for the method's default. */
        public static Rule parse(String name) {
            if (name == null || name.isEmpty()) {
                return METHOD_DEFAULT;
            }
            return switch (name) {
                case "adaptive" -> ADAPTIVE;
                case "paper-table" -> PAPER_TABLE;
                default -> throw new IllegalArgumentException("'" + name + "' is unknown; use adaptive or paper-table");
            };
        }
    }

    public static final double DEFAULT_DEFENSIVE_SHARE = 0.1;
    public static final double DEFAULT_PILOT_FRACTION = 0.25;
    public static final Tuning DEFAULTS = new Tuning(DEFAULT_DEFENSIVE_SHARE, DEFAULT_PILOT_FRACTION,
            Rule.METHOD_DEFAULT);

    public Tuning {
        String share = defensiveShareProblem(defensiveShare);
        if (share != null) {
            throw new IllegalArgumentException("defensive_share (α) " + share);
        }
        String pilots = pilotFractionProblem(pilotFraction);
        if (pilots != null) {
            throw new IllegalArgumentException("pilot_fraction " + pilots);
        }
        if (temperatureRule == null) {
            throw new IllegalArgumentException("the temperature rule must be given (Rule.METHOD_DEFAULT for the default)");
        }
    }

    /** Null if {@code alpha} is a valid defensive share, else what is wrong with it ("must be in (0, 1), got ..."). */
    public static String defensiveShareProblem(double alpha) {
        return alpha > 0 && alpha < 1 ? null : "must be in (0, 1), got " + alpha;
    }

    /** Null if {@code fraction} is a valid pilot fraction, else what is wrong with it. */
    public static String pilotFractionProblem(double fraction) {
        return fraction > 0 && fraction <= 0.5 ? null : "must be in (0, 0.5], got " + fraction;
    }
}
