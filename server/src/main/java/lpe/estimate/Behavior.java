package lpe.estimate;

import lpe.engine.EngineResult;
import lpe.engine.Logits;
import lpe.engine.Output;

/**
 * What "the model produces t" means for one input: the value whose expectation over D is the estimated probability.
 * Sealed so that later behaviours (multi-token) are added here and every switch over them stays exhaustive.
 */
public sealed interface Behavior {

    /** The behaviour's value for one row of next-token logits: 1[argmax = t], or softmax(logits/T)_t. */
    double value(float[] logits, int target);

    /** The engine output that {@link #value(EngineResult, int, int)} reads: as little as the behaviour needs. */
    Output output();

    /** The behaviour's value for row {@code row} of a result that holds {@link #output()}. */
    double value(EngineResult result, int row, int target);

    /** The CLI/proto spelling: {@code argmax} or {@code sample:T}. */
    String spec();

    static Behavior parse(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("argmax")) {
            return new Argmax();
        }
        if (spec.startsWith("sample:")) {
            double t;
            try {
                t = Double.parseDouble(spec.substring("sample:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("behavior '" + spec + "': temperature is not a number");
            }
            return new Sample(t);
        }
        throw new IllegalArgumentException("behavior '" + spec + "' is unknown; use argmax or sample:T");
    }

    /** The paper's behaviour: the argmax of the last-position logits is t (ties go to the lowest index). */
    record Argmax() implements Behavior {
        @Override
        public double value(float[] logits, int target) {
            return Logits.argmax(logits) == target ? 1.0 : 0.0;
        }

        @Override
        public Output output() {
            return Output.ARGMAX;
        }

        @Override
        public double value(EngineResult result, int row, int target) {
            return result.argmax()[row] == target ? 1.0 : 0.0;
        }

        @Override
        public String spec() {
            return "argmax";
        }
    }

    /** A temperature-T sample of the next token is t: value softmax(logits / T)_t. */
    record Sample(double temperature) implements Behavior {
        public Sample {
            if (!(temperature > 0) || temperature > 1e6) {
                throw new IllegalArgumentException(
                        "behavior temperature must be in (0, 1e6], got " + temperature);
            }
        }

        @Override
        public double value(float[] logits, int target) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp((l - max) / temperature);
            }
            return Math.exp((logits[target] - max) / temperature) / sum;
        }

        @Override
        public Output output() {
            return Output.LOGITS;
        }

        @Override
        public double value(EngineResult result, int row, int target) {
            return value(result.logits()[row], target);
        }

        @Override
        public String spec() {
            return "sample:" + temperature;
        }
    }
}
