package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void beforeAnyEstimateShowsOnlyTheCount() {
        var progress = Progress.newBuilder().setSamplesDone(0).setBudget(1000).build();
        assertEquals("[........................]   0%  0/1,000  0/s", ProgressBar.render(progress));
    }
}
