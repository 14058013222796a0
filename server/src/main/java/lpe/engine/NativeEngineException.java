package lpe.engine;

/** A native engine failure: the library, the device, the model's tensors, or a request it refused. */
public class NativeEngineException extends RuntimeException {

    public NativeEngineException(String message) {
        super(message);
    }

    public NativeEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
