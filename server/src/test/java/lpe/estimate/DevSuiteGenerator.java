package lpe.estimate;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import lpe.dist.InputDistribution;
import lpe.engine.NativeEngine;
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.model.Model;
import lpe.model.ModelReader;

/**
 * Regenerates the development suite's exact files (docs/devsuite.md): enumerates each named entry (default: all) on
 * the native engine in fp32 and writes {@code server/src/main/resources/devsuite/ENTRY.exact.json} under the
 * repository root, atomically. Lives in the server's test classes, beside the enumeration it shares with the tests;
 * it belongs in the bench module's {@code lpe bench devsuite --regenerate} once that module exists.
 *
 * <p>Usage (tools/devsuite/regenerate.sh builds the class path): DevSuiteGenerator [--device cpu|cuda[:N]]
 * [--root DIR] [ENTRY ...]
 */
public final class DevSuiteGenerator {
    /**
     * Logits closer than this to the top one count as a near tie: twice the 1e-4 by which NativeDevSuiteTest lets
     * DjlEngine's logits differ from the native engine's (measured: at most 3.4e-5), so that another engine within that
     * tolerance can change a target's p by no more than its near-tie mass.
     */
    static final double TIE_GAP = 2e-4;

    public static void main(String[] args) throws IOException {
        String device = "cpu";
        Path root = Path.of("").toAbsolutePath();
        List<String> names = new ArrayList<>();
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--device" -> device = args[++a];
                case "--root" -> root = Path.of(args[++a]).toAbsolutePath();
                default -> names.add(args[a]);
            }
        }
        List<DevSuite.Entry> entries = names.isEmpty() ? DevSuite.entries()
                : names.stream().map(DevSuite::entry).toList();
        NativeLibrary library = NativeLibrary.load();
        for (DevSuite.Entry entry : entries) {
            Model model = new ModelReader().read(entry.modelDirectory(root));
            InputDistribution d = entry.distribution(model.vocabulary());
            long start = System.nanoTime();
            ArgmaxEnumeration e;
            try (NativeEngine engine = NativeEngine.open(library, model, device, NativePrecision.FP32)) {
                long total = d.supportSize();
                e = ArgmaxEnumeration.run(d, engine, TIE_GAP, false, done -> {
                    if (done % (64L * ArgmaxEnumeration.BATCH) == 0 || done == total) {
                        System.err.printf("%s: %d / %d inputs%n", entry.name(), done, total);
                    }
                });
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String command = "tools/devsuite/regenerate.sh --device " + device + " " + entry.name();
            Path out = root.resolve("server/src/main/resources/" + DevSuite.FOLDER + entry.name() + ".exact.json");
            write(out, json(entry, e, model, device, seconds, command));
            System.err.printf("%s: %d inputs in %.1f s (%.0f inputs/s) -> %s%n", entry.name(), e.inputs, seconds,
                    e.inputs / seconds, out);
        }
    }

    static JsonObject json(DevSuite.Entry entry, ArgmaxEnumeration e, Model model, String device, double seconds,
            String command) {
        JsonObject o = new JsonObject();
        o.addProperty("entry", entry.name());
        o.addProperty("model", entry.model());
        o.addProperty("spec", entry.specName());
        o.addProperty("spec_sha256", DevSuite.sha256(entry.spec()));
        o.addProperty("split", entry.split().name().toLowerCase().replace('_', '-'));
        o.addProperty("behavior", "argmax");
        o.addProperty("inputs", e.inputs);
        o.addProperty("engine", "native");
        o.addProperty("device", device);
        o.addProperty("precision", "fp32");
        o.addProperty("seconds", Math.round(seconds * 10) / 10.0);
        o.addProperty("command", command);
        o.addProperty("tie_gap", e.tieGap);
        o.addProperty("near_tie_inputs", e.nearTieInputs);
        o.addProperty("near_tie_mass", e.nearTieTotal);
        JsonArray gaps = new JsonArray();
        for (int g = 0; g < ArgmaxEnumeration.GAPS.length; g++) {
            JsonObject bucket = new JsonObject();
            bucket.addProperty("top_two_gap_below", ArgmaxEnumeration.GAPS[g]);
            bucket.addProperty("inputs", e.inputsBelowGap[g]);
            bucket.addProperty("mass", e.massBelowGap[g]);
            gaps.add(bucket);
        }
        o.add("gaps", gaps);
        JsonArray targets = new JsonArray();
        IntStream.range(0, e.p.length).filter(v -> e.p[v] > 0 || e.nearTieMass[v] > 0).boxed()
                .sorted(Comparator.comparingDouble((Integer v) -> -e.p[v]).thenComparingInt(v -> v))
                .forEach(v -> {
                    JsonObject t = new JsonObject();
                    t.addProperty("id", v);
                    t.addProperty("text", model.vocabulary().decode(v));
                    t.addProperty("p", e.p[v]);
                    t.addProperty("near_tie_mass", e.nearTieMass[v]);
                    targets.add(t);
                });
        o.add("targets", targets);
        return o;
    }

    private static void write(Path out, JsonObject json) throws IOException {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json) + "\n");
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
