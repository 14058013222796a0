package lpe.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the results that {@code lpe estimate|exact|ground-truth --json} print (and {@code lpe jobs --json} lists), for
 * {@code lpe report}. A file holds one JSON object, or one per line (e.g. several runs appended with {@code >>});
 * lines that are not JSON (a table printed before the JSON line) are skipped, but a file with no result in it, or a JSON
 * object that is no lpe result, is refused with the file and line.
 */
final class ResultFile {

    /** An estimate; {@code targetId} is -1 when the result does not name its target. */
    record EstimateResult(String source, String method, int targetId, String token, double estimate, double stdError,
            double ciLow, double ciHigh, double ess, long forwardPasses, long backwardPasses, double seconds,
            long seed) {
        long passes() {
            return forwardPasses + backwardPasses;
        }
    }

    /** The exact probability from {@code lpe exact}; {@code targetId} -1 when the result does not name it. */
    record ExactResult(String source, int targetId, double probability) {}

    /** Argmax counts from {@code lpe ground-truth}: token id to count, out of {@code samples}. */
    record GroundTruth(String source, long samples, Map<Integer, Long> counts) {}

    /** Everything read from the files, in file order. */
    record Results(List<EstimateResult> estimates, List<ExactResult> exact, List<GroundTruth> groundTruth) {}

    private ResultFile() {}

    static Results read(List<Path> files) {
        var results = new Results(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (Path file : files) {
            read(file, results);
        }
        return results;
    }

    private static void read(Path file, Results into) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserError("cannot read result file " + file + ": " + e.getMessage(), e);
        }
        int found = 0;
        JsonElement whole = parse(text);
        if (whole != null && whole.isJsonObject()) {
            add(file.toString(), whole.getAsJsonObject(), into);
            return;
        }
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith("{")) {
                continue;
            }
            JsonElement e = parse(line);
            String where = file + " line " + (i + 1);
            if (e == null || !e.isJsonObject()) {
                throw new UserError(where + " is not valid JSON");
            }
            add(where, e.getAsJsonObject(), into);
            found++;
        }
        if (found == 0) {
            throw new UserError(file + " is not a result file: it holds no JSON object from lpe estimate, exact or "
                    + "ground-truth --json");
        }
    }

    private static JsonElement parse(String text) {
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            return null;
        }
    }

    private static void add(String where, JsonObject o, Results into) {
        try {
            if (o.has("jobs")) {
                for (JsonElement job : o.getAsJsonArray("jobs")) {
                    var result = job.getAsJsonObject().get("result");
                    if (result != null && result.isJsonObject()) {
                        add(where, result.getAsJsonObject(), into);
                    }
                }
            } else if (o.has("estimates")) {
                for (JsonElement e : o.getAsJsonArray("estimates")) {
                    into.estimates().add(estimate(where, e.getAsJsonObject()));
                }
            } else if (o.has("method") && o.has("estimate")) {
                into.estimates().add(estimate(where, o));
            } else if (o.has("probability")) {
                into.exact().add(new ExactResult(where, targetId(o), o.get("probability").getAsDouble()));
            } else if (o.has("counts") && o.has("samples")) {
                into.groundTruth().add(groundTruth(where, o));
            } else {
                throw new UserError(where + " is not an lpe result: expected the fields of estimate --json "
                        + "(method, estimate, ...), exact --json (probability) or ground-truth (samples, counts), got "
                        + o.keySet());
            }
        } catch (RuntimeException e) {
            if (e instanceof UserError) {
                throw e;
            }
            throw new UserError(where + " is not a well-formed lpe result: " + e.getMessage(), e);
        }
    }

    private static EstimateResult estimate(String where, JsonObject o) {
        var ci = o.getAsJsonArray("ci95");
        String token = o.has("target") && o.get("target").isJsonObject()
                && o.getAsJsonObject("target").has("token") ? o.getAsJsonObject("target").get("token").getAsString()
                : "";
        return new EstimateResult(where, o.get("method").getAsString(), targetId(o), token,
                o.get("estimate").getAsDouble(), number(o, "std_error"),
                ci == null ? Double.NaN : ci.get(0).getAsDouble(), ci == null ? Double.NaN : ci.get(1).getAsDouble(),
                number(o, "ess"), (long) number(o, "forward_passes"), (long) number(o, "backward_passes"),
                number(o, "seconds"), (long) number(o, "seed"));
    }

    private static GroundTruth groundTruth(String where, JsonObject o) {
        var counts = new HashMap<Integer, Long>();
        JsonElement c = o.get("counts");
        if (c.isJsonArray()) {
            var array = c.getAsJsonArray();
            for (int id = 0; id < array.size(); id++) {
                counts.put(id, array.get(id).getAsLong());
            }
        } else {
            c.getAsJsonObject().entrySet().forEach(e -> counts.put(Integer.parseInt(e.getKey()), e.getValue().getAsLong()));
        }
        long samples = o.get("samples").getAsLong();
        if (samples <= 0) {
            throw new UserError(where + ": ground truth with samples = " + samples + "; expected a positive count");
        }
        return new GroundTruth(where, samples, counts);
    }

    private static int targetId(JsonObject o) {
        JsonElement t = o.get("target");
        if (t == null || t.isJsonNull()) {
            return -1;
        }
        if (t.isJsonObject()) {
            return t.getAsJsonObject().get("id").getAsInt();
        }
        return t.getAsInt();
    }

    private static double number(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }
}
