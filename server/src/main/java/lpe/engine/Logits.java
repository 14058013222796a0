package lpe.engine;

/** Rules over one row of next-token logits that every engine, estimator and command share. */
public final class Logits {
    private Logits() {}

    /** The argmax as lpe counts it everywhere: the first maximiser (ties to the lowest id), as torch.argmax. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return best;
    }
}
