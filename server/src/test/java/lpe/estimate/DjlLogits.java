package lpe.estimate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import lpe.engine.DjlEngine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;
import lpe.model.Model;
import lpe.model.ModelLoader;

/**
 * Runs DjlEngine in a JVM of its own (DJL's libtorch and the native engine's cannot share a process): for each
 * (MODEL_DIR, IN, OUT) triple, reads rows of token ids from IN ({@link #writeRows}) and writes the last-position
 * logits of every row to OUT as big-endian floats, row after row.
 *
 * <p>Usage: DjlLogits MODEL_DIR IN OUT [MODEL_DIR IN OUT ...]
 */
public final class DjlLogits {

    public static void main(String[] args) throws IOException {
        for (int a = 0; a + 2 < args.length; a += 3) {
            Model model = new ModelLoader().load(Path.of(args[a]));
            int[][] rows = readRows(Path.of(args[a + 1]));
            try (DjlEngine engine = new DjlEngine(model);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                            Files.newOutputStream(Path.of(args[a + 2]))))) {
                for (int from = 0; from < rows.length; from += ArgmaxEnumeration.BATCH) {
                    int[][] batch = java.util.Arrays.copyOfRange(rows, from,
                            Math.min(rows.length, from + ArgmaxEnumeration.BATCH));
                    for (float[] logits : engine.run(new EngineRequest(batch, EnumSet.of(Output.LOGITS), null)).logits()) {
                        for (float x : logits) {
                            out.writeFloat(x);
                        }
                    }
                }
            }
        }
    }

    /** Rows of one length: the row count, the length, then the ids row after row, as big-endian ints. */
    static void writeRows(Path file, int[][] rows) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(rows.length);
            out.writeInt(rows[0].length);
            for (int[] row : rows) {
                for (int id : row) {
                    out.writeInt(id);
                }
            }
        }
    }

    static int[][] readRows(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int[][] rows = new int[in.readInt()][in.readInt()];
            for (int[] row : rows) {
                for (int t = 0; t < row.length; t++) {
                    row[t] = in.readInt();
                }
            }
            return rows;
        }
    }

    /** {@code rows} rows of {@code vocabulary} logits as {@link #main} wrote them. */
    static float[][] readLogits(Path file, int rows, int vocabulary) throws IOException {
        float[][] logits = new float[rows][vocabulary];
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            for (float[] row : logits) {
                for (int v = 0; v < vocabulary; v++) {
                    row[v] = in.readFloat();
                }
            }
            if (in.read() != -1) {
                throw new IOException(file + " has more than " + rows + " rows of " + vocabulary + " logits");
            }
        }
        return logits;
    }
}
