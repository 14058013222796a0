package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DjlEngine under load gives transformers' gradients and logits on every call: forwards and gradients of every
 * fixture at once from platform and virtual threads, while other threads open and close engines and the garbage
 * collector runs constantly (what a busy server does). Each result is compared with the fixture's float64 reference.
 * {@code -Dlpe.stress.seconds=N} runs it longer (default 10 s of load: before the fix, 40% of its gradient calls came out wrong in 10 s on two loaded cores).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DjlGradientStressTest {
    private static final String[] FIXTURES = {"llama_gqa", "llama_untied_bias", "llama_f16", "llama_bf16",
        "llama_sharded", "gpt2", "gpt_neox", "gpt_neox_sequential"};

    private record Loaded(String name, Model model, DjlEngine engine, FixtureReference reference) {}

    @Test
    void concurrentCallsOnEveryFixtureMatchTransformersUnderLoad() throws Exception {
        long seconds = Long.getLong("lpe.stress.seconds", 10);
        List<Loaded> fixtures = new ArrayList<>();
        for (String f : FIXTURES) {
            Model model = new ModelReader().read(TestModels.fixture(f));
            fixtures.add(new Loaded(f, model, new DjlEngine(model), FixtureReference.read(model.directory())));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long seed = i;
            Runnable caller = () -> {
                Random random = new Random(seed);
                while (!stop.get()) {
                    Loaded f = fixtures.get(random.nextInt(fixtures.size()));
                    FixtureReference.Case c = f.reference().cases().get(random.nextInt(f.reference().cases().size()));
                    boolean gradients = random.nextBoolean();
                    EngineResult r = f.engine().run(new EngineRequest(c.tokens(),
                            gradients ? NativeEngineReferenceTest.WHOLE : EnumSet.of(Output.LOGITS), c.targets()));
                    calls.incrementAndGet();
                    String where = f.name() + " " + c.tokens().length + "x" + c.tokens()[0].length;
                    check(c.logits(), r.logits(), where + " logits", wrong);
                    if (gradients) {
                        for (int b = 0; b < c.tokens().length; b++) {
                            check(c.gradients()[b], r.embeddingGradients()[b], where + " gradients row " + b, wrong);
                        }
                    }
                }
            };
            threads.add(i % 2 == 0 ? Thread.ofPlatform().start(caller) : Thread.ofVirtual().start(caller));
        }
        threads.add(Thread.ofPlatform().start(() -> { // engines loaded and unloaded beside the calls
            Model model = fixtures.get(5).model();
            while (!stop.get()) {
                try (DjlEngine other = new DjlEngine(model)) {
                    other.run(new EngineRequest(new int[][] {{1, 2, 3}}, EnumSet.of(Output.LOGITS), null));
                }
            }
        }));
        threads.add(Thread.ofPlatform().start(() -> { // garbage: freed direct buffers get reused soon
            while (!stop.get()) {
                byte[][] junk = new byte[64][];
                for (int k = 0; k < junk.length; k++) {
                    junk[k] = new byte[64 << 10];
                }
                System.gc();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }));
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        for (Loaded f : fixtures) {
            f.engine().close();
        }
        System.out.println("DjlGradientStressTest: " + calls.get() + " calls, " + wrong.size() + " wrong");
        assertEquals(List.of(), List.copyOf(wrong).subList(0, Math.min(wrong.size(), 10)),
                wrong.size() + " wrong results in " + calls.get() + " calls");
    }

    private static void check(float[][] expected, float[][] actual, String what, ConcurrentLinkedQueue<String> wrong) {
        double worst = 0;
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                largest = Math.max(largest, Math.abs(actual[i][j]));
                worst = Math.max(worst, Math.abs(expected[i][j] - actual[i][j]));
            }
        }
        if (!(worst <= 1e-4)) {
            StringBuilder sample = new StringBuilder();
            for (int i = 0; i < expected.length; i++) {
                sample.append(" t").append(i).append(": ");
                for (int j = 0; j < 3; j++) {
                    sample.append(expected[i][j]).append("/").append(actual[i][j]).append(" ");
                }
            }
            wrong.add(what + ": max |difference| " + worst + " (max |value| " + largest + ")" + sample);
        }
    }
}
