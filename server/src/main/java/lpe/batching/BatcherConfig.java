package lpe.batching;

import java.time.Duration;

/**
 * How a {@link Batcher} fuses rows: at most {@code rowLimit} rows per device batch, and a pending request waits at
 * most {@code maxDelay} for other jobs' rows before its batch runs anyway.
 */
public record BatcherConfig(int rowLimit, Duration maxDelay) {
    public BatcherConfig {
        if (rowLimit < 1) {
            throw new IllegalArgumentException("batch row limit must be >= 1, got " + rowLimit);
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("batch delay must not be negative, got " + maxDelay);
        }
    }
}
