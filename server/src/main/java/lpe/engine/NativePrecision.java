package lpe.engine;

/**
 * The arithmetic of the native engine. FP32 is the default; TF32 (fp32 storage, tensor-core products with 10-bit
 * mantissas, CUDA only) and BF16 (weights and activations in bfloat16, logits returned as fp32) are options whose
 * argmax agreement with FP32 is measured in README.md "## GPU engine".
 */
public enum NativePrecision {
    FP32("fp32"),
    TF32("tf32"),
    BF16("bf16");

    private final String code;

    NativePrecision(String code) {
        this.code = code;
    }

    /** The name the C ABI takes. */
    String code() {
        return code;
    }

    /** Parses fp32, tf32 or bf16 (any case); anything else is refused by name. */
    public static NativePrecision parse(String text) {
        for (NativePrecision p : values()) {
            if (p.code.equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision '" + text + "' is not supported; expected fp32, tf32 or bf16");
    }
}
