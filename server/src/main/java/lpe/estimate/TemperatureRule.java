package lpe.estimate;

import java.util.Map;

/**
 * The proposal temperature used when a request gives none.
 *
 * <p>Rule (our decision; the paper tuned T per model and distribution on the grid 5^{k/4}, docs/methods.md#usage-defaults-and-uncertainty): for a
 * distribution named like one of the 8 presets, the median over the paper's three models of that preset's column;
 * for any other distribution, the median of the whole table (ITGIS 1.0, MHIS 1.5). The paper's models are not ours,
 * so this is a starting point, not a tuned value; pass a temperature to override it.
 */
public final class TemperatureRule {
    private static final Map<String, Double> ITGIS = Map.of(
            "hex", 1.5, "camel", 1.0, "colon", 1.0, "if", 1.0,
            "caps", 0.67, "english", 0.45, "spanish", 0.67, "icl", 0.45);
    private static final Map<String, Double> MHIS = Map.of(
            "hex", 0.67, "camel", 2.24, "colon", 1.0, "if", 1.5,
            "caps", 1.5, "english", 1.5, "spanish", 2.24, "icl", 0.67);
    static final double ITGIS_OTHER = 1.0;
    static final double MHIS_OTHER = 1.5;

    private TemperatureRule() {}

    /** The problem's temperature, or the ITGIS rule's when it is NaN (not given). */
    public static double itgis(EstimationProblem problem) {
        return Double.isNaN(problem.temperature())
                ? ITGIS.getOrDefault(problem.distribution().name(), ITGIS_OTHER)
                : problem.temperature();
    }

    /** The problem's temperature, or the MHIS rule's when it is NaN (not given). */
    public static double mhis(EstimationProblem problem) {
        return Double.isNaN(problem.temperature())
                ? MHIS.getOrDefault(problem.distribution().name(), MHIS_OTHER)
                : problem.temperature();
    }
}
