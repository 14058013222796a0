package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lpe.client.FakeEstimationService;
import lpe.v1.Progress;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void showsSamplesDoneTheEstimateWithItsIntervalAndTheRate() {
        var progress = Progress.newBuilder().setSamplesDone(16384).setBudget(65536).setRate(2345.4)
                .addCurrent(FakeEstimationService.estimate(3.1e-7, 1.0e-7, 16384)).build();
        // 16384/65536 = 25% -> 6 of 24 cells; interval 3.1e-7 -/+ 1.96e-7
        assertEquals("[######..................]  25%  16,384/65,536  p=3.10e-07 [1.14e-07, 5.06e-07]  2,345/s",
                ProgressBar.render(progress));
    }

    @Test
    void severalTargetsShowTheFirstAndTheCountOfOthers() {
        var e = FakeEstimationService.estimate(1e-5, 1e-6, 10);
        var progress = Progress.newBuilder().setSamplesDone(65536).setBudget(65536).setRate(10)
                .addCurrent(e).addCurrent(e).addCurrent(e).build();
        assertEquals("[########################] 100%  65,536/65,536  p=1.00e-05 [8.04e-06, 1.20e-05] (+2 targets)  10/s",
                ProgressBar.render(progress));
    }

    @Test
    void anInProcessRunDrawsTheSameBarFromTheEstimatorsPartialEstimates() {
        var bytes = new java.io.ByteArrayOutputStream();
        var listener = ProgressBar.inProcess(new ProgressBar(new java.io.PrintStream(bytes, true,
                java.nio.charset.StandardCharsets.UTF_8)));
        listener.update(512, 1024, new lpe.estimate.Estimate("itgis", 2e-6, 1e-6, 5e-7, 4e-6,
                lpe.estimate.IntervalKind.WEIGHTED_GAMMA, false, 100, 512, 512, 512, 1, 3));
        listener.update(1024, 1024, new lpe.estimate.Estimate("itgis", 3e-6, 1e-6, 1e-6, 5e-6,
                lpe.estimate.IntervalKind.WEIGHTED_GAMMA, false, 200, 1024, 1024, 1024, 2, 3));
        String drawn = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(drawn.startsWith("\r[############............]  50%  512/1,024  p=2.00e-06 [5.00e-07, 4.00e-06]  "),
                drawn);
        assertTrue(drawn.contains("\r[########################] 100%  1,024/1,024  p=3.00e-06 [1.00e-06, 5.00e-06]  "),
                drawn);
        assertTrue(drawn.matches("(?s).*[0-9,]+/s\\u001b\\[K\n"), "rate, then the line ends when done: " + drawn);
    }

    @Test
    void beforeAnyEstimateShowsOnlyTheCount() {
        var progress = Progress.newBuilder().setSamplesDone(0).setBudget(1000).build();
        assertEquals("[........................]   0%  0/1,000  0/s", ProgressBar.render(progress));
    }
}
