package lpe.cli;

import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelLoader;
import lpe.jobs.NativeModels;
import picocli.CommandLine.Option;

/** {@code --engine}, {@code --device}, {@code --precision}: where a server runs its rows (lpe serve, lpe bench server). */
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
        } catch (IllegalArgumentException | lpe.engine.NativeEngineException e) {
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
            case "native" -> new NativeModels(NativeLibrary.load(), device, NativePrecision.parse(precision));
            default -> throw new IllegalArgumentException("--engine " + engine + " is not supported; expected djl or native");
        };
    }
}
