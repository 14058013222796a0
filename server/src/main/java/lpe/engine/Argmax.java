package lpe.engine;

/** The argmax of a row of logits as lpe counts it everywhere: the first maximiser (ties to the lowest id), as torch.argmax. */
public final class Argmax {
    private Argmax() {}

    public static int of(float[] logits) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return best;
    }
}
