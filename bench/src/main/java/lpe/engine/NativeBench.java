package lpe.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lpe.dist.InputDistribution;
import lpe.dist.Position;

/**
 * The Java side of the GPU benchmark (tools/gpu/run.sh): the native engine's device-side ground-truth loop on the
 * model that tools/gpu/bench_torch.py prepared, at fp32, tf32 and bf16, called from Java exactly as the server calls it.
 * Prints one JSON object per precision: sequences per second, argmax agreement with native fp32 and with PyTorch fp32
 * on the same 65536 inputs, and the fraction of the precision's datasheet FLOP rate.
 *
 * <p>Usage: NativeBench DIR LAYERS SAMPLES BATCH [DEVICE [PRECISIONS]] (DEVICE defaults to cuda, cpu only to smoke-test
 * it; PRECISIONS a comma-separated subset of fp32,tf32,bf16, default all)
 */
public final class NativeBench {

    static final int LENGTH = 33;
    static final double[] PEAK_TFLOPS = {67.0, 494.7, 989.4};

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int layers = Integer.parseInt(args[1]);
        long samples = Long.parseLong(args[2]);
        int batch = Integer.parseInt(args[3]);
        String device = args.length > 4 ? args[4] : "cuda";
        java.util.Set<String> precisions = java.util.Set.of((args.length > 5 ? args[5] : "fp32,tf32,bf16").split(","));
        HfCheckpoint checkpoint = HfCheckpoint.read(folder);
        NativeLibrary library = NativeLibrary.load();
        int[][] rows = readRows(folder.resolve("agreement.i32"));
        int[] torchFp32 = readInts(folder.resolve("torch-fp32.i32"));
        int[] reference = null;
        for (NativePrecision precision : NativePrecision.values()) {
            if (!precisions.contains(precision.code()) || (precision == NativePrecision.TF32 && !device.startsWith("cuda"))) {
                continue;
            }
            try (NativeEngine engine = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), device, precision)) {
                int[] argmax = new int[rows.length];
                for (int i = 0; i < rows.length; i += 8192) {
                    int[][] chunk = java.util.Arrays.copyOfRange(rows, i, Math.min(rows.length, i + 8192));
                    System.arraycopy(engine.argmax(chunk), 0, argmax, i, chunk.length);
                }
                reference = precision == NativePrecision.FP32 ? argmax : reference;
                engine.sampleArgmaxCounts(distribution(), 2L * batch, batch, 1, 0);  // warm-up
                long start = System.nanoTime();
                long[] counts = engine.sampleArgmaxCounts(distribution(), samples, batch, 2, 0);
                double seconds = (System.nanoTime() - start) / 1e9;
                long total = java.util.Arrays.stream(counts).sum();
                double rate = total / seconds;
                double tflops = rate * flopsPerSequence(layers) / 1e12;
                System.out.printf("{\"engine\": \"native\", \"layers\": %d, \"precision\": \"%s\", \"batch\": %d, \"samples\": %d,"
                        + " \"seconds\": %.3f, \"seq_per_s\": %.0f, \"argmax_agreement_with_fp32\": %.5f,"
                        + " \"argmax_agreement_with_torch_fp32\": %.5f, \"tflops\": %.2f, \"fraction_of_peak\": %.3f}%n",
                        layers, precision.code(), batch, total, seconds, rate, reference == null ? Double.NaN : agreement(argmax, reference),
                        agreement(argmax, torchFp32), tflops, tflops / PEAK_TFLOPS[precision.ordinal()]);
            }
        }
    }

    /** Token 0, then 32 positions each uniform over the ids 1000..1999 (as bench_torch.py). */
    static InputDistribution distribution() {
        List<Position> positions = new ArrayList<>();
        positions.add(Position.fixed(0));
        int[] ids = new int[1000];
        double[] weights = new double[1000];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = 1000 + k;
            weights[k] = 1;
        }
        for (int p = 1; p < LENGTH; p++) {
            positions.add(new Position(ids, weights));
        }
        return new InputDistribution("paper-bench", positions);
    }

    /** Same count as bench_torch.flops_per_sequence. */
    static double flopsPerSequence(int layers) {
        long d = 512, mlp = 2048, vocab = 48262, t = LENGTH;
        long full = t * (2 * 4 * d * d + 2 * 2 * d * mlp) + 2 * 2 * t * t * d / 2;
        long last = t * 2 * 2 * d * d + (2 * 2 * d * d + 2 * 2 * d * mlp) + 2 * 2 * t * d;
        return (layers - 1) * full + last + 2 * d * vocab;
    }

    static double agreement(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return (double) same / a.length;
    }

    static int[] readInts(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[bytes.remaining() / 4];
        bytes.asIntBuffer().get(out);
        return out;
    }

    static int[][] readRows(Path file) throws IOException {
        int[] flat = readInts(file);
        int[][] rows = new int[flat.length / LENGTH][LENGTH];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(flat, r * LENGTH, rows[r], 0, LENGTH);
        }
        return rows;
    }
}
