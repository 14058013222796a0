package lpe.estimate;

import lpe.engine.Engine;

/**
 * {@code auto}: the best available answer for a user who does not know the methods (docs/methods.md, "auto").
 *
 * <p>Rule: run {@code itgis-ce} with the adaptive temperature rule. Its pilots (a {@link Tuning#pilotFraction()} share
 * of the budget) are the pilot of this choice: if they saw at least two hits, the cross-entropy-refined importance
 * sampler has something to lean on and continues to the end of the budget; if not, the independent-token proposals
 * found nothing, and the rest of the budget goes to MHIS, whose chains climb the target logit without needing a hit
 * first. The result names the method that produced it ({@code auto:itgis-ce} or {@code auto:mhis}) and counts the
 * pilots' passes in its cost. A given temperature, or the paper-table rule, skips the pilots: then {@code itgis-ce}
 * runs alone.
 *
 * <p>The saved state is the running phase's state, tagged with the phase (a state saved by MHIS means the pilots
 * found too few hits: a resumed run goes straight on with MHIS).
 */
public final class Auto implements Estimator {
    private static final byte ITGIS_PHASE = 1;
    private static final byte MHIS_PHASE = 2;

    private final Mhis mhis;

    /** With MHIS's default chains and burn-in. */
    public Auto() {
        this(new Mhis());
    }

    /** With {@code mhis} for the case where the pilots find too few hits. */
    public Auto(Mhis mhis) {
        this.mhis = mhis;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        long start = System.nanoTime();
        byte[] restored = checkpoints.restored();
        boolean inMhis = restored != null && restored.length > 0 && restored[0] == MHIS_PHASE;
        if (!inMhis) {
            Itgis itgis = new Itgis(true);
            Estimate e = itgis.run(problem, engine, progress, phase(checkpoints, ITGIS_PHASE), true);
            if (e != null) {
                return renamed(e, "auto:itgis-ce", 0, start);
            }
        }
        long pilots = (long) Math.floor(problem.tuning().pilotFraction() * problem.budget());
        int rest = (int) Math.max(mhis.chains(), problem.budget() - pilots);
        EstimationProblem mhisProblem = new EstimationProblem(problem.distribution(), problem.target(),
                problem.behavior(), rest, problem.temperature(), problem.seed(), problem.tuning());
        Estimate m = mhis.run(mhisProblem, engine,
                (done, budget, partial) -> progress.update(pilots + done, problem.budget(),
                        renamed(partial, "auto:mhis", pilots, start)), phase(checkpoints, MHIS_PHASE));
        return renamed(m, "auto:mhis", pilots, start);
    }

    /** The checkpoints of one phase: its states saved tagged with it, and the saved state restored if it is of it. */
    private static Checkpoints phase(Checkpoints checkpoints, byte tag) {
        return new Checkpoints() {
            @Override
            public byte[] restored() {
                byte[] saved = checkpoints.restored();
                if (saved == null || saved.length == 0 || saved[0] != tag) {
                    return null;
                }
                return java.util.Arrays.copyOfRange(saved, 1, saved.length);
            }

            @Override
            public boolean due() {
                return checkpoints.due();
            }

            @Override
            public void save(byte[] state) {
                byte[] tagged = new byte[state.length + 1];
                tagged[0] = tag;
                System.arraycopy(state, 0, tagged, 1, state.length);
                checkpoints.save(tagged);
            }
        };
    }

    /**
     * {@code e} under the name {@code method}, with {@code passes} more forward and backward passes and the seconds
     * since {@code start}.
     */
    private static Estimate renamed(Estimate e, String method, long passes, long start) {
        return new Estimate(method, e.estimate(), e.stdError(), e.ci95Low(), e.ci95High(), e.intervalKind(),
                e.upperBoundOnly(), e.ess(), e.samples() + passes, e.forwardPasses() + passes,
                e.backwardPasses() + passes, (System.nanoTime() - start) / 1e9, e.seed());
    }
}
