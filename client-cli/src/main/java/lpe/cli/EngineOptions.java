package lpe.cli;

import java.nio.file.Path;
import lpe.engine.NativeEngineException;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelHandle;
import lpe.jobs.ModelLoader;
import lpe.jobs.NativeModels;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --engine}, {@code --device}, {@code --precision}: the engine that runs the rows of every computing command
 * (lpe serve, estimate, exact, ground-truth, demo, generate, logits, bench server). With {@code --server} the server's
 * engine runs the rows (chosen by its lpe serve), so a command given both refuses them ({@link #refuseWithServer}).
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

    /** The engine's name (djl or native), as given. */
    String engine() {
        return engine;
    }

    /** The precision's code (fp32, tf32, bf16), as given. */
    String precision() {
        return precision;
    }

    /** cpu or cuda: the kind of device without its index, so that shards on cuda:0 and cuda:1 count alike. */
    String deviceKind() {
        return device.startsWith("cuda") ? "cuda" : device;
    }

    /** With --server the rows run on the server's engine: an engine option given as well is refused by name. */
    void refuseWithServer(CommandSpec command) {
        for (String option : new String[] {"--engine", "--device", "--precision"}) {
            if (command.commandLine().getParseResult().hasMatchedOption(option)) {
                throw new UserError(option + ": not available with --server (the"
                        + " server's engine runs the rows; choose it with lpe serve " + option + ")");
            }
        }
    }

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
        NativePrecision arithmetic;
        try {
            arithmetic = NativePrecision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--precision: " + e.getMessage(), e);
        }
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
                if (arithmetic == NativePrecision.TF32 && !device.startsWith("cuda")) {
                    throw new IllegalArgumentException("--precision tf32: only with --device cuda (TF32 is a GPU"
                            + " tensor-core format; on the CPU it would be fp32 recorded as tf32)");
                }
                yield new NativeModels(NativeLibrary.load(), device, arithmetic);
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
