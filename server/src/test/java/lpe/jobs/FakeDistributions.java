package lpe.jobs;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.model.Vocabulary;

/**
 * Preset {@code uniform3}: three positions uniform over ids 0..15. JSON: {@code {"positions": [[ids..], ..]}}; an id
 * outside the vocabulary is refused naming its position.
 */
public final class FakeDistributions implements DistributionResolver {
    @Override
    public InputDistribution preset(String name, Vocabulary vocabulary) {
        if (!name.equals("uniform3")) {
            throw new IllegalArgumentException("unknown preset '" + name + "'; presets: uniform3");
        }
        int[] ids = new int[16];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return new InputDistribution(name, List.of(uniform(ids), uniform(ids), uniform(ids)));
    }

    @Override
    public InputDistribution fromJson(String json, Vocabulary vocabulary) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("spec is not valid JSON: " + e.getMessage());
        }
        JsonArray positions = root.getAsJsonObject().getAsJsonArray("positions");
        List<Position> out = new ArrayList<>();
        for (int p = 0; p < positions.size(); p++) {
            JsonArray ids = positions.get(p).getAsJsonArray();
            int[] support = new int[ids.size()];
            for (int k = 0; k < support.length; k++) {
                support[k] = ids.get(k).getAsInt();
                if (support[k] < 0 || support[k] >= vocabulary.size()) {
                    throw new IllegalArgumentException("positions[" + p + "]: id " + support[k] + " is not in the vocabulary");
                }
            }
            out.add(uniform(support));
        }
        return new InputDistribution("inline", out);
    }

    private static Position uniform(int[] ids) {
        double[] w = new double[ids.length];
        java.util.Arrays.fill(w, 1);
        return new Position(ids, w);
    }
}
