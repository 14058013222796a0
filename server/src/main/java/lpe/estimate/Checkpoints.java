package lpe.estimate;

/**
 * Where an estimator saves its state while it runs, and the state it resumes from. An estimator asks
 * {@link #due()} at its batch boundaries, right after reporting progress, and when it is due saves everything it
 * needs to go on (random generator, sums, proposal or chain state, samples done); the job stores that state with the
 * progress snapshot just reported, in one write. Resumed from a saved state, an estimator finishes with exactly the
 * estimate an uninterrupted run gives (same engine, same seed).
 */
public interface Checkpoints {
    /** No saved state to resume from, and none saved. */
    Checkpoints NONE = new Checkpoints() {
        @Override
        public byte[] restored() {
            return null;
        }

        @Override
        public boolean due() {
            return false;
        }

        @Override
        public void save(byte[] state) {}
    };

    /** The state saved by an earlier run of the same problem, or null to start from the beginning. */
    byte[] restored();

    /** Whether a state should be saved now. */
    boolean due();

    /** Saves {@code state}, the estimator's whole state at the progress it reported last. */
    void save(byte[] state);
}
