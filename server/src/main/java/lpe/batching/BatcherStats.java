package lpe.batching;

/**
 * Totals since the batcher started: device batches run, rows asked for by jobs, rows actually run (identical rows of
 * one batch run once), and the device time. {@code meanFill} is the mean of rows-run / row-limit over batches.
 */
public record BatcherStats(long batches, long rowsRequested, long rowsRun, double deviceSeconds, int rowLimit) {

    public double meanRowsPerBatch() {
        return batches == 0 ? 0 : (double) rowsRun / batches;
    }

    public double meanFill() {
        return meanRowsPerBatch() / rowLimit;
    }
}
