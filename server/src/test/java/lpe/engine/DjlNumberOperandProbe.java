package lpe.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The DJL fault behind DjlEngine's wrong gradients, reduced to DJL alone (a main, not a test: it shows a DJL defect
 * and depends on the garbage collector's timing): d/dx Σ (x · 3) must be 3 everywhere. With the number operand
 * {@code x.mul(3)}, DJL frees the scalar's direct buffer right after the forward op while autograd keeps the scalar
 * for the backward pass; a garbage collection and a few new direct buffers between forward and backward make the
 * gradient whatever those buffers hold. With an array operand that outlives the backward pass it stays 3.
 * Run (after {@code mvn -pl server test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * -Dmdep.includeScope=test}): {@code java -cp server/target/test-classes:server/target/classes:$(cat server/cp.txt)
 * lpe.engine.DjlNumberOperandProbe}.
 */
public final class DjlNumberOperandProbe {
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray three = manager.create(new float[] {3}, new Shape(1));
            int wrongNumber = 0;
            int wrongArray = 0;
            int trials = 200;
            for (int i = 0; i < trials; i++) {
                wrongNumber += wrong(manager, null) ? 1 : 0;
                wrongArray += wrong(manager, three) ? 1 : 0;
            }
            System.out.println("x.mul(3):        " + wrongNumber + " of " + trials + " gradients wrong");
            System.out.println("x.mul(array 3):  " + wrongArray + " of " + trials + " gradients wrong");
        }
    }

    private static boolean wrong(NDManager manager, NDArray factor) {
        try (NDManager call = manager.newSubManager();
                GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray x = call.create(new float[] {1, 2, 3, 4}, new Shape(4));
            x.setRequiresGradient(true);
            NDArray y = factor == null ? x.mul(3) : x.mul(factor);
            System.gc(); // the scalar's buffer is unreachable now: its memory is freed ...
            List<ByteBuffer> reuse = new ArrayList<>();
            for (int k = 0; k < 64; k++) { // ... and handed out again
                ByteBuffer b = ByteBuffer.allocateDirect(4);
                b.putFloat(0, 1000f + k);
                reuse.add(b);
            }
            collector.backward(y.sum());
            float[] g = x.getGradient().toFloatArray();
            reuse.clear();
            for (float v : g) {
                if (v != 3f) {
                    return true;
                }
            }
            return false;
        }
    }
}
