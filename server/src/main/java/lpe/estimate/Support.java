package lpe.estimate;

import lpe.dist.Position;

/** One position's support as the estimators use it: token ids and log p_i(v) (−∞ for zero-weight tokens). */
record Support(int[] ids, double[] logProbabilities) {

    static Support of(Position position) {
        double[] logP = new double[position.size()];
        for (int k = 0; k < logP.length; k++) {
            logP[k] = Math.log(position.probability(k));
        }
        return new Support(position.ids(), logP);
    }

    int size() {
        return ids.length;
    }

    boolean isFixed() {
        return ids.length == 1;
    }
}
