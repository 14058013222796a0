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
    public enum Rule { METHOD_DEFAULT, ADAPTIVE, PAPER_TABLE }

    public static final double DEFAULT_DEFENSIVE_SHARE = 0.1;
    public static final double DEFAULT_PILOT_FRACTION = 0.25;
    public static final Tuning DEFAULTS = new Tuning(DEFAULT_DEFENSIVE_SHARE, DEFAULT_PILOT_FRACTION,
            Rule.METHOD_DEFAULT);

    public Tuning {
        if (!(defensiveShare > 0 && defensiveShare < 1)) {
            throw new IllegalArgumentException(
                    "defensive_share (α) must be in (0, 1), got " + defensiveShare);
        }
        if (!(pilotFraction > 0 && pilotFraction <= 0.5)) {
            throw new IllegalArgumentException("pilot_fraction must be in (0, 0.5], got " + pilotFraction);
        }
        if (temperatureRule == null) {
            throw new IllegalArgumentException("the temperature rule must be given (Rule.METHOD_DEFAULT for the default)");
        }
    }
}
