package lpe.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import lpe.estimate.Tuning;

/**
 * What a job computes, as submitted and stored. Exactly one of {@code preset} and {@code specJson} is set. Targets
 * are spelled as on the command line: a tokenizer.json string ({@code ▁cat}) or {@code id:N}. {@code temperature}
 * null means "the method's rule", {@code temperatureRule} null or empty the adaptive one ("paper-table": the paper's
 * table); {@code defensiveShare} and {@code pilotFraction} null mean the defaults of {@link Tuning}. The seed is always
 * set (the server picks one when the client did not), so a stored spec reruns identically.
 */
public record JobSpec(
        String model,
        String preset,
        String specJson,
        List<String> targets,
        String behavior,
        String method,
        long budget,
        Double temperature,
        long seed,
        Double defensiveShare,
        Double pilotFraction,
        String temperatureRule) {
    public JobSpec {
        targets = List.copyOf(targets);
    }

    /** A spec with the default tuning. */
    public JobSpec(String model, String preset, String specJson, List<String> targets, String behavior, String method,
            long budget, Double temperature, long seed) {
        this(model, preset, specJson, targets, behavior, method, budget, temperature, seed, null, null, null);
    }

    /** The estimator tuning this spec asks for (validated by JobPlanner first). */
    public Tuning tuning() {
        return new Tuning(defensiveShare == null ? Tuning.DEFAULT_DEFENSIVE_SHARE : defensiveShare,
                pilotFraction == null ? Tuning.DEFAULT_PILOT_FRACTION : pilotFraction,
                Tuning.Rule.parse(temperatureRule));
    }

    /** The names of the fields (as in the proto) in which {@code other} differs from this spec; the seed optionally. */
    public List<String> differences(JobSpec other, boolean withSeed) {
        List<String> differ = new ArrayList<>();
        differ(differ, "model", model, other.model);
        differ(differ, "preset", preset, other.preset);
        differ(differ, "spec_json", specJson, other.specJson);
        differ(differ, "targets", targets, other.targets);
        differ(differ, "behavior", behavior, other.behavior);
        differ(differ, "method", method, other.method);
        differ(differ, "budget", budget, other.budget);
        differ(differ, "temperature", temperature, other.temperature);
        differ(differ, "defensive_share", defensiveShare, other.defensiveShare);
        differ(differ, "pilot_fraction", pilotFraction, other.pilotFraction);
        differ(differ, "temperature_rule", temperatureRule, other.temperatureRule);
        if (withSeed) {
            differ(differ, "seed", seed, other.seed);
        }
        return differ;
    }

    private static void differ(List<String> differ, String field, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            differ.add(field);
        }
    }
}
