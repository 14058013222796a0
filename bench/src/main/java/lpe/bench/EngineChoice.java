package lpe.bench;

import lpe.engine.NativeEngineException;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelLoader;
import lpe.jobs.NativeModels;
import picocli.CommandLine.Option;

/**
 * {@code --engine djl|native --device cpu|cuda[:N] --precision fp32|tf32|bf16}: the engine the benchmarks' servers run
 * rows on, with the same options and rules as {@code lpe serve}. A device or library that cannot work is refused at
 * start-up, as bad input.
 */
final class EngineChoice {

    @Option(names = "--engine", defaultValue = "djl", description = "djl (CPU, DJL's bundled libtorch) or native"
            + " (native/, the host's libtorch; build it with native/build.sh) (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N]; cuda needs --engine native (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "fp32",
            description = "Native engine arithmetic: fp32, tf32 or bf16 (default ${DEFAULT-VALUE}).")
    String precision;

    /** The model loader the options ask for. */
    ModelLoader models() {
        try {
            return switch (engine) {
                case "djl" -> {
                    if (!device.equals("cpu") || !precision.equals("fp32")) {
                        throw new IllegalArgumentException("--engine djl runs on --device cpu in fp32 only; use"
                                + " --engine native for --device " + device + " --precision " + precision);
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
        } catch (NativeEngineException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** engine/device/precision, as the results record it. */
    String label() {
        return engine + "/" + device + "/" + precision;
    }

    /**
     * The tokenizers (DJL) probe CUDA when they load: in-process, that loads a second CUDA runtime next to the native
     * engine's libtorch, after which its CUDA calls fail. Probe in a child process instead, and take the CPU build of
     * the tokenizers library (the only one bundled). Explicit settings win.
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
