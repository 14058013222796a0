package lpe.estimate;

import java.util.List;

/** The estimators by the names the CLI and proto use, with the paper's defaults (docs/methods.md). */
public final class Estimators {
    public static final List<String> METHODS = List.of("naive", "itgis", "itgis-ce", "mhis", "qld", "gld", "auto");

    private Estimators() {}

    /** The method named {@code name}; {@code qldPublicCode} selects QLD's public-code behaviour (docs/methods.md#decisions-and-deviations). */
    public static Estimator byName(String name, boolean qldPublicCode) {
        return switch (name == null ? "" : name) {
            case "naive" -> new NaiveSampling();
            case "itgis" -> new Itgis();
            case "itgis-ce" -> new Itgis(true);
            case "auto" -> new Auto();
            case "mhis" -> new Mhis();
            case "qld" -> new Qld(qldPublicCode);
            case "gld" -> new Gld();
            default -> throw new IllegalArgumentException(
                    "method '" + name + "' is unknown; use one of " + String.join(", ", METHODS));
        };
    }
}
