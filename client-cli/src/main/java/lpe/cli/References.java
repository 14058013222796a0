package lpe.cli;

import java.util.Optional;
import lpe.cli.ResultFile.EstimateResult;
import lpe.cli.ResultFile.Results;

/**
 * The value an estimate is judged against: the exact probability of its target if an exact result is given, else the
 * ground-truth frequency (argmax counts of every ground-truth file summed, over their summed samples).
 *
 * <p>Matching: an exact result that names its target matches estimates of that target id; an exact result that names
 * none (the CLI's {@code exact --json}, docs/api.md#command-line-contract, has no target field) matches every estimate, but only when it is the only
 * exact result given, since otherwise it would be ambiguous.
 */
final class References {

    record Reference(String kind, double probability) {}

    private final Results results;
    private final long groundTruthSamples;

    References(Results results) {
        this.results = results;
        this.groundTruthSamples = results.groundTruth().stream().mapToLong(ResultFile.GroundTruth::samples).sum();
    }

    Optional<Reference> of(EstimateResult e) {
        for (var exact : results.exact()) {
            if (exact.targetId() >= 0 && exact.targetId() == e.targetId()) {
                return Optional.of(new Reference("exact", exact.probability()));
            }
        }
        if (results.exact().size() == 1 && results.exact().getFirst().targetId() < 0) {
            return Optional.of(new Reference("exact", results.exact().getFirst().probability()));
        }
        if (groundTruthSamples > 0 && e.targetId() >= 0) {
            long hits = results.groundTruth().stream().mapToLong(g -> g.counts().getOrDefault(e.targetId(), 0L)).sum();
            return Optional.of(new Reference("ground truth (" + hits + " of " + groundTruthSamples + ")",
                    (double) hits / groundTruthSamples));
        }
        return Optional.empty();
    }
}
