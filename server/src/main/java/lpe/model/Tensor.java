package lpe.model;

import java.util.Arrays;

/**
 * One named weight tensor, row-major, always float32 in Java (F16 and BF16 files are widened when read).
 */
public record Tensor(String name, long[] shape, float[] data) {

    public Tensor {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + n
                    + " values but data has " + data.length);
        }
    }

    public int rank() {
        return shape.length;
    }

    /** A matrix as rows: {@code [shape[0]][shape[1]]} (copies). */
    public float[][] rows() {
        if (shape.length != 2) {
            throw new IllegalStateException("tensor " + name + " has shape " + Arrays.toString(shape) + ", not a matrix");
        }
        int cols = (int) shape[1];
        float[][] rows = new float[(int) shape[0]][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Arrays.copyOfRange(data, r * cols, (r + 1) * cols);
        }
        return rows;
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
