package lpe.jobs;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.estimate.Behavior;
import lpe.estimate.Estimator;
import lpe.estimate.Tuning;
import lpe.jobs.InvalidRequestException.Violation;
import lpe.model.Vocabulary;

/**
 * Validates a job spec, each check once, and resolves it against its model (loading the model if needed). Every
 * problem is reported at once, each under its proto field path ({@code spec.targets[1]}), so a client can fix them in
 * one go.
 */
public final class JobPlanner {
    private final ModelRegistry models;
    private final DistributionResolver distributions;
    private final Map<String, Estimator> estimators = new HashMap<>();
    private final long maxBudget;

    @Inject
    public JobPlanner(ModelRegistry models, DistributionResolver distributions, Set<Estimator> estimators,
            JobsConfig config) {
        this.models = models;
        this.distributions = distributions;
        estimators.forEach(e -> this.estimators.put(e.name(), e));
        this.maxBudget = config.maxBudget();
    }

    /** A spec whose fields passed {@link #checkShape}, with its behaviour and estimator. */
    public record CheckedSpec(JobSpec spec, Behavior behavior, Estimator estimator) {}

    /** Checks what can be checked without the model; every bad field at once. */
    public CheckedSpec checkShape(JobSpec spec) {
        List<Violation> bad = new ArrayList<>();
        if (spec.model() == null || spec.model().isBlank()) {
            bad.add(new Violation("spec.model", "a model name is required (see ListModels)"));
        }
        boolean hasPreset = spec.preset() != null && !spec.preset().isBlank();
        boolean hasJson = spec.specJson() != null && !spec.specJson().isBlank();
        if (hasPreset == hasJson) {
            bad.add(new Violation("spec.distribution", "give exactly one of preset or spec_json"));
        }
        if (hasJson && spec.specJson().length() > 1 << 20) {
            bad.add(new Violation("spec.spec_json", "is " + spec.specJson().length() + " characters; at most 1 MiB"));
        }
        if (spec.targets().isEmpty()) {
            bad.add(new Violation("spec.targets", "name at least one target token"));
        }
        if (spec.targets().size() > 256) {
            bad.add(new Violation("spec.targets", spec.targets().size() + " targets; at most 256 per job"));
        }
        if (!estimators.containsKey(spec.method())) {
            bad.add(new Violation("spec.method",
                    "unknown method '" + spec.method() + "'; use one of " + estimators.keySet().stream().sorted().toList()));
        }
        if (spec.budget() < 1 || spec.budget() > maxBudget) {
            bad.add(new Violation("spec.budget", "must be in [1, " + maxBudget + "], got " + spec.budget()));
        }
        if (spec.temperature() != null && !(spec.temperature() > 0 && spec.temperature() < 1e6)) {
            bad.add(new Violation("spec.temperature", "must be positive and finite, got " + spec.temperature()));
        }
        String share = spec.defensiveShare() == null ? null : Tuning.defensiveShareProblem(spec.defensiveShare());
        if (share != null) {
            bad.add(new Violation("spec.defensive_share", share));
        }
        String pilots = spec.pilotFraction() == null ? null : Tuning.pilotFractionProblem(spec.pilotFraction());
        if (pilots != null) {
            bad.add(new Violation("spec.pilot_fraction", pilots));
        }
        try {
            Tuning.Rule.parse(spec.temperatureRule());
        } catch (IllegalArgumentException e) {
            bad.add(new Violation("spec.temperature_rule", e.getMessage()));
        }
        Behavior behavior = null;
        try {
            behavior = Behavior.parse(spec.behavior());
            Estimator estimator = estimators.get(spec.method());
            String refusal = estimator == null ? null : estimator.refusal(behavior);
            if (refusal != null) {
                bad.add(new Violation("spec.behavior", refusal));
            }
        } catch (IllegalArgumentException e) {
            bad.add(new Violation("spec.behavior", e.getMessage()));
        }
        if (!bad.isEmpty()) {
            throw new InvalidRequestException(bad);
        }
        return new CheckedSpec(spec, behavior, estimators.get(spec.method()));
    }

    /**
     * Loads the spec's model if needed (outside every lock: see {@link ModelRegistry#load}) and resolves the spec
     * against it, refusing what only the model can tell; the caller must {@link ModelRegistry#release} the model.
     */
    JobPlan plan(CheckedSpec checked) {
        JobSpec spec = checked.spec();
        LoadedModel model;
        try {
            model = models.acquire(spec.model());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException("spec.model", e.violations().getFirst().description());
        }
        try {
            return resolve(checked, model);
        } catch (RuntimeException e) {
            models.release(spec.model());
            throw e;
        }
    }

    private JobPlan resolve(CheckedSpec checked, LoadedModel model) {
        JobSpec spec = checked.spec();
        Vocabulary vocabulary = model.handle().vocabulary();
        List<Violation> bad = new ArrayList<>();
        InputDistribution distribution = null;
        boolean preset = spec.preset() != null && !spec.preset().isBlank();
        try {
            distribution = preset
                    ? distributions.preset(spec.preset(), vocabulary)
                    : distributions.fromJson(spec.specJson(), vocabulary);
            if (distribution.length() > model.handle().engine().shape().contextLength()) {
                bad.add(new Violation(preset ? "spec.preset" : "spec.spec_json", "inputs of " + distribution.length()
                        + " tokens exceed the model's context of " + model.handle().engine().shape().contextLength()));
            }
        } catch (IllegalArgumentException e) {
            bad.add(new Violation(preset ? "spec.preset" : "spec.spec_json", e.getMessage()));
        }
        List<JobPlan.ResolvedTarget> targets = new ArrayList<>();
        for (int i = 0; i < spec.targets().size(); i++) {
            String t = spec.targets().get(i);
            OptionalInt id = targetId(t, vocabulary);
            if (id.isEmpty()) {
                bad.add(new Violation("spec.targets[" + i + "]", "'" + t + "' is not a token of model " + model.name()
                        + " (spell it as in tokenizer.json, e.g. ▁cat, or as id:N with N < " + vocabulary.size() + ")"));
            } else {
                targets.add(new JobPlan.ResolvedTarget(id.getAsInt(), vocabulary.token(id.getAsInt())));
            }
        }
        String refusal = distribution == null ? null : estimators.get(spec.method()).refusal(distribution);
        if (refusal != null) {
            bad.add(new Violation("spec.method", "method " + spec.method() + " cannot run on this distribution: "
                    + refusal));
        }
        if (!bad.isEmpty()) {
            throw new InvalidRequestException(bad);
        }
        return new JobPlan(model, distribution, targets, checked.behavior(), checked.estimator());
    }

    private static OptionalInt targetId(String t, Vocabulary vocabulary) {
        if (t.startsWith("id:")) {
            try {
                int id = Integer.parseInt(t.substring(3));
                return id >= 0 && id < vocabulary.size() ? OptionalInt.of(id) : OptionalInt.empty();
            } catch (NumberFormatException e) {
                return OptionalInt.empty();
            }
        }
        return vocabulary.id(t);
    }
}
