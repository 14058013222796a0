package lpe.estimate;

/**
 * Streaming Σy and Σy² of non-negative values given as log y, without overflow or underflow: the sums are kept scaled
 * by the largest value seen so far.
 */
final class LogSum {
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;
    private double sumSquares;

    void add(double logValue) {
        if (logValue == Double.NEGATIVE_INFINITY) {
            return;
        }
        if (logValue > max) {
            double f = Math.exp(max - logValue);
            sum *= f;
            sumSquares *= f * f;
            max = logValue;
        }
        double z = Math.exp(logValue - max);
        sum += z;
        sumSquares += z * z;
    }

    /** log Σy (−∞ when every value was 0). */
    double logSum() {
        return max + Math.log(sum);
    }

    /** Σy² / (Σy)², in (0, 1]; NaN when every value was 0. */
    double concentration() {
        return sumSquares / (sum * sum);
    }

    void write(State.Writer out) {
        out.writeDouble(max);
        out.writeDouble(sum);
        out.writeDouble(sumSquares);
    }

    void read(State.Reader in) {
        max = in.readDouble();
        sum = in.readDouble();
        sumSquares = in.readDouble();
    }

    boolean isZero() {
        return max == Double.NEGATIVE_INFINITY;
    }
}
