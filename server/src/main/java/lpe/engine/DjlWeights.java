package lpe.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import lpe.model.Model;
import lpe.model.Tensor;

/**
 * Copies a {@link Model}'s Hugging Face tensors into DJL arrays in the layout {@link DjlTransformer} computes with:
 * every linear map as [in, out] so that {@code y = x · W + b}, fused q/k/v projections split into three.
 */
final class DjlWeights {

    private final Model model;
    private final NDManager manager;

    DjlWeights(Model model, NDManager manager) {
        this.model = model;
        this.manager = manager;
    }

    /** A torch.nn.Linear: weight stored [out, in], optional bias. */
    DjlTransformer.Linear linear(String prefix, long in, long out) {
        Tensor w = model.weight(prefix + ".weight", out, in);
        return new DjlTransformer.Linear(array(transpose(w.data(), (int) out, (int) in), in, out), bias(prefix + ".bias", out));
    }

    /** A GPT-2 Conv1D: weight stored [in, out], with bias. */
    DjlTransformer.Linear conv1d(String prefix, long in, long out) {
        Tensor w = model.weight(prefix + ".weight", in, out);
        return new DjlTransformer.Linear(array(w.data(), in, out), bias(prefix + ".bias", out));
    }

    /** Part {@code part} of 3 of a GPT-2 fused c_attn Conv1D [D, 3D]: columns part·D ... (part+1)·D. */
    DjlTransformer.Linear conv1dThird(String prefix, int d, int part) {
        float[] w = model.weight(prefix + ".weight", d, 3L * d).data();
        float[] b = model.weight(prefix + ".bias", 3L * d).data();
        float[] wPart = new float[d * d];
        for (int r = 0; r < d; r++) {
            System.arraycopy(w, r * 3 * d + part * d, wPart, r * d, d);
        }
        return new DjlTransformer.Linear(array(wPart, d, d), array(Arrays.copyOfRange(b, part * d, (part + 1) * d), d));
    }

    /**
     * Part {@code part} of 3 of a GPT-NeoX fused query_key_value Linear [3D, D], whose output rows are grouped per
     * head as [q(headDim) k(headDim) v(headDim)] for head 0, then head 1, ...
     */
    DjlTransformer.Linear neoxThird(String prefix, int d, int heads, int part) {
        int headDim = d / heads;
        float[] w = model.weight(prefix + ".weight", 3L * d, d).data();
        float[] b = model.weight(prefix + ".bias", 3L * d).data();
        float[] wPart = new float[d * d];
        float[] bPart = new float[d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < headDim; i++) {
                int src = h * 3 * headDim + part * headDim + i;
                int dst = h * headDim + i;
                System.arraycopy(w, src * d, wPart, dst * d, d);
                bPart[dst] = b[src];
            }
        }
        return new DjlTransformer.Linear(array(transpose(wPart, d, d), d, d), array(bPart, d));
    }

    DjlTransformer.Norm rmsNorm(String prefix, long d, double eps) {
        return new DjlTransformer.Norm(array(model.weight(prefix + ".weight", d).data(), d), null, eps,
                array(new float[] {(float) eps}, 1));
    }

    DjlTransformer.Norm layerNorm(String prefix, long d, double eps) {
        return new DjlTransformer.Norm(array(model.weight(prefix + ".weight", d).data(), d),
                array(model.weight(prefix + ".bias", d).data(), d), eps, null);
    }

    NDArray array(float[] data, long... shape) {
        return manager.create(data, new Shape(shape));
    }

    private NDArray bias(String name, long out) {
        return model.has(name) ? array(model.weight(name, out).data(), out) : null;
    }

    /** [rows][cols] row-major to [cols][rows] row-major. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
