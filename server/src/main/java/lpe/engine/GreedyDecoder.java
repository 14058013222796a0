package lpe.engine;

import java.util.Arrays;
import java.util.Set;

/** Greedy (temperature 0) continuation: append the argmax of the last-position logits, one token at a time. */
public final class GreedyDecoder {

    private final Engine engine;

    public GreedyDecoder(Engine engine) {
        this.engine = engine;
    }

    /**
     * The prompt followed by up to {@code maxTokens} greedy tokens (fewer if the context fills up). No end-of-text
     * stop: a caller that wants one can cut the result.
     */
    public int[] continueGreedily(int[] prompt, int maxTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt: expected at least one token (e.g. BOS)");
        }
        int context = engine.shape().contextLength();
        if (prompt.length > context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model's context length is " + context);
        }
        int total = Math.min(prompt.length + maxTokens, context);
        int[] ids = Arrays.copyOf(prompt, total);
        for (int n = prompt.length; n < total; n++) {
            int[] sequence = Arrays.copyOf(ids, n);
            float[] logits = engine.run(new EngineRequest(new int[][] {sequence}, Set.of(Output.LOGITS), null)).logits()[0];
            ids[n] = Logits.argmax(logits);
        }
        return ids;
    }
}
