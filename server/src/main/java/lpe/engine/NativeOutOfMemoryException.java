package lpe.engine;

/** The device (or host) ran out of memory for a model or a batch; the server answers RESOURCE_EXHAUSTED. */
public final class NativeOutOfMemoryException extends NativeEngineException {

    public NativeOutOfMemoryException(String message) {
        super(message);
    }
}
