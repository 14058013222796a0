package lpe.engine;

/** The sizes of a loaded model that callers of an {@link Engine} need. */
public record ModelShape(int vocabularySize, int modelWidth, int contextLength) {}
