package lpe.engine;

import java.util.Arrays;

/** One F32 checkpoint tensor, named as in the Hugging Face checkpoint, handed to the native engine. */
public record NativeTensor(String name, long[] shape, float[] data) {

    public NativeTensor {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + " (" + n
                    + " values) but " + data.length + " values");
        }
    }
}
