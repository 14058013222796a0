package lpe.jobs;

import java.nio.file.Path;
import lpe.engine.NativeEngine;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.model.Model;
import lpe.model.ModelReader;

/**
 * Loads models with lpe.model's loader and runs them on a {@link NativeEngine} (the project's C++ over the host's
 * libtorch) on a CPU or a CUDA device. A device the library cannot reach is refused here, at start-up.
 */
public final class NativeModels implements ModelLoader {
    private final NativeLibrary library;
    private final String device;
    private final NativePrecision precision;

    public NativeModels(NativeLibrary library, String device, NativePrecision precision) {
        if (!device.equals("cpu") && !device.startsWith("cuda")) {
            throw new IllegalArgumentException("--device " + device + " is not supported; expected cpu or cuda");
        }
        if (device.startsWith("cuda") && !library.cudaAvailable()) {
            throw new IllegalArgumentException("--device " + device + ": the native engine's libtorch " + library.torchVersion()
                    + " (" + library.path() + ") has no CUDA support or sees no GPU; use --device cpu or build native/"
                    + " against a CUDA libtorch (tools/gpu/run.sh)");
        }
        this.library = library;
        this.device = device;
        this.precision = precision;
    }

    @Override
    public ModelHandle load(Path directory) {
        Model model = new ModelReader().read(directory);
        NativeEngine engine = NativeEngine.open(library, model, device, precision);
        return ModelHandle.of(model, engine, engine::close);
    }
}
