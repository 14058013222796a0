package lpe.engine;

import com.google.gson.Gson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** reference.json of a fixture, as written by tools/fixtures/make_fixtures.py (transformers, float64). */
record FixtureReference(String model, Encode encode, List<Case> cases) {

    record Encode(String text, int[] ids) {}

    record Case(int[][] tokens, int[] targets, float[][] logits, float[][] activations, float[][][] gradients) {}

    static FixtureReference read(Path fixture) {
        return readFile(fixture.resolve("reference.json"));
    }

    static FixtureReference readFile(Path file) {
        try {
            return new Gson().fromJson(Files.readString(file), FixtureReference.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}
