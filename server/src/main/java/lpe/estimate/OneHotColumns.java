package lpe.estimate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token ids whose one-hot gradients h_i(x)(v) the gradient estimators ask the engine for: the union of the
 * supports of the positions that are not fixed, and where each position's support entries sit among them.
 */
record OneHotColumns(int[] ids, int[][] columnOf) {

    static OneHotColumns of(Support[] supports) {
        Map<Integer, Integer> column = new LinkedHashMap<>();
        int[][] columnOf = new int[supports.length][];
        for (int i = 0; i < supports.length; i++) {
            if (supports[i].isFixed()) {
                continue;
            }
            columnOf[i] = new int[supports[i].size()];
            for (int v = 0; v < supports[i].size(); v++) {
                Integer at = column.putIfAbsent(supports[i].ids()[v], column.size());
                columnOf[i][v] = at == null ? column.size() - 1 : at;
            }
        }
        return new OneHotColumns(column.keySet().stream().mapToInt(Integer::intValue).toArray(), columnOf);
    }

    /** Whether any position moves (else there is nothing to project onto). */
    boolean any() {
        return ids.length > 0;
    }
}
