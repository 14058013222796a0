package lpe.cli;

import java.nio.file.Path;
import lpe.engine.NativeEngineException;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelHandle;
import lpe.jobs.ModelLoader;
import lpe.jobs.NativeModels;
import picocli.CommandLine.Option;

/**
 * {@code --engine}, {@code --device}, {@code --precision}: the engine that runs the rows (lpe serve, lpe bench server,
 * lpe generate, lpe logits).
 */
public final class EngineOptions {

    @Option(names = "--engine", defaultValue = "djl", description = "djl (CPU, DJL's bundled libtorch) or native"
            + " (native/, the host's libtorch; build it with native/build.sh) (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N]; cuda needs --engine native (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "fp32", description = "Native engine arithmetic: fp32, tf32 or bf16"
            + " (default ${DEFAULT-VALUE}; README.md \"GPU engine\" gives their argmax agreement with fp32).")
    String precision;

    /** The model loader the options ask for; a device or library that cannot work is refused here, at start-up. */
    public ModelLoader models() {
        try {
            return chooseModels();
        } catch (IllegalArgumentException | NativeEngineException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /**
     * One model directory loaded on the engine the options ask for (lpe generate, lpe logits). A native engine that
     * cannot start there (a GPU index that does not exist, too little device memory) is a user error, not a bug.
     */
    public ModelHandle open(Path directory) {
        ModelLoader models = models();
        try {
            return models.load(directory);
        } catch (NativeEngineException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private ModelLoader chooseModels() {
        return switch (engine) {
            case "djl" -> {
                if (!device.equals("cpu") || !precision.equals("fp32")) {
                    throw new IllegalArgumentException("--engine djl runs on --device cpu in fp32 only; use --engine native"
                            + " for --device " + device + " --precision " + precision);
                }
                yield new DjlModels();
            }
            case "native" -> {
                if (device.startsWith("cuda")) {
                    keepDjlOffTheGpu();
                }
                yield new NativeModels(NativeLibrary.load(), device, NativePrecision.parse(precision));
            }
            default -> throw new IllegalArgumentException("--engine " + engine + " is not supported; expected djl or native");
        };
    }

    /**
     * The tokenizers (DJL) probe CUDA when they load: in-process, that loads a second CUDA runtime next to the native
     * engine's libtorch, after which its CUDA calls fail ("invalid resource handle"; seen on an H200). Probe in a child
     * process instead, and take the CPU build of the tokenizers library (the only one bundled). Explicit settings win.
     */
    private static void keepDjlOffTheGpu() {
        if (System.getProperty("ai.djl.util.cuda.fork") == null) {
            System.setProperty("ai.djl.util.cuda.fork", "true");
        }
        if (System.getProperty("RUST_FLAVOR") == null && System.getenv("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
    }
}
