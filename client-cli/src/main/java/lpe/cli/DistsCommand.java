package lpe.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.dist.PresetOutcome;
import lpe.model.ModelReader;
import lpe.model.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code lpe dists}: the presets of docs/methods.md#input-distributions and their sizes for one model's vocabulary. */
@Command(
        name = "dists",
        mixinStandardHelpOptions = true,
        description = "The input-distribution presets and their sizes for this model's vocabulary"
                + " (or why a preset cannot be built).")
public final class DistsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "UTF-8 text whose token frequencies weight the presets (default: uniform weights).")
    Path corpus;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Bad input (model directory, corpus) is one line on stderr, "lpe dists: ...", and exit code 1. */
    @Override
    public Integer call() {
        Vocabulary vocabulary;
        List<PresetOutcome> outcomes;
        try {
            vocabulary = new ModelReader().read(model).vocabulary();
            outcomes = Distributions.presetOutcomes(vocabulary, Optional.ofNullable(corpus));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("lpe dists: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? toJson(vocabulary, outcomes) + System.lineSeparator() : table(outcomes));
        out.flush();
        return 0;
    }

    String toJson(Vocabulary vocabulary, List<PresetOutcome> outcomes) {
        JsonObject root = new JsonObject();
        root.addProperty("model", model.toString());
        root.addProperty("vocab_size", vocabulary.size());
        root.add("corpus", corpus == null ? JsonNull.INSTANCE : new JsonPrimitive(corpus.toString()));
        JsonArray presets = new JsonArray();
        for (PresetOutcome outcome : outcomes) {
            JsonObject preset = new JsonObject();
            preset.addProperty("name", outcome.name());
            switch (outcome) {
                case PresetOutcome.Built built -> {
                    InputDistribution d = built.distribution();
                    preset.addProperty("length", d.length());
                    JsonArray varying = new JsonArray();
                    for (int i = 0; i < d.length(); i++) {
                        if (d.position(i).size() > 1) {
                            JsonObject position = new JsonObject();
                            position.addProperty("index", i);
                            position.addProperty("support_size", d.position(i).size());
                            varying.add(position);
                        }
                    }
                    preset.add("varying_positions", varying);
                    preset.addProperty("log10_inputs", log10Inputs(d));
                }
                case PresetOutcome.Refused refused -> preset.addProperty("refused", refused.reason());
            }
            presets.add(preset);
        }
        root.add("presets", presets);
        return new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(root);
    }

    static String table(List<PresetOutcome> outcomes) {
        StringBuilder s = new StringBuilder(
                String.format(Locale.ROOT, "%-8s %6s  %-28s %14s%n", "preset", "length", "varying positions × support",
                        "log10 inputs"));
        for (PresetOutcome outcome : outcomes) {
            switch (outcome) {
                case PresetOutcome.Built built -> {
                    InputDistribution d = built.distribution();
                    s.append(String.format(Locale.ROOT, "%-8s %6d  %-28s %14.2f%n",
                            d.name(), d.length(), varyingSummary(d), log10Inputs(d)));
                }
                case PresetOutcome.Refused refused -> s.append(String.format(Locale.ROOT, "%-8s refused: %s%n",
                        refused.name(), refused.reason()));
            }
        }
        return s.toString();
    }

    /** log10 of the number of distinct inputs: Σ log10 |S_i|. */
    static double log10Inputs(InputDistribution d) {
        double sum = 0;
        for (int i = 0; i < d.length(); i++) {
            sum += Math.log10(d.position(i).size());
        }
        return sum;
    }

    /** Runs of equal support sizes over the varying positions, e.g. "32×19" or "1×116 + 24×94". */
    static String varyingSummary(InputDistribution d) {
        StringBuilder s = new StringBuilder();
        int runSize = -1;
        int runLength = 0;
        for (int i = 0; i <= d.length(); i++) {
            int size = i < d.length() ? d.position(i).size() : -1;
            if (size == runSize) {
                runLength++;
                continue;
            }
            if (runSize > 1) {
                s.append(s.isEmpty() ? "" : " + ").append(runLength).append('×').append(runSize);
            }
            runSize = size;
            runLength = 1;
        }
        return s.isEmpty() ? "none" : s.toString();
    }
}
