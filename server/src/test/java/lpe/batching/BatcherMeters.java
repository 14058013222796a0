package lpe.batching;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;

/** What a {@link Batcher}'s Micrometer meters of one model have counted so far, as tests read them. */
public record BatcherMeters(long batches, double rowsRequested, double rowsRun, double deviceSeconds) {

    public static BatcherMeters of(MeterRegistry meters, String model) {
        return new BatcherMeters(
                meters.get("lpe.batch.rows").tag("model", model).summary().count(),
                meters.get("lpe.rows.requested").tag("model", model).counter().count(),
                meters.get("lpe.rows.run").tag("model", model).counter().count(),
                meters.get("lpe.batch.device").tag("model", model).timer().totalTime(TimeUnit.SECONDS));
    }

    @Override
    public String toString() {
        return String.format("%d batches, %.0f rows requested, %.0f run (%.1f per batch), %.2f s on the device",
                batches, rowsRequested, rowsRun, batches == 0 ? 0 : rowsRun / batches, deviceSeconds);
    }
}
