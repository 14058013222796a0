package lpe.dist;

import java.util.List;
import java.util.random.RandomGenerator;

/** D = D_1 × … × D_L: independent positions, each with its own finite support (docs/methods.md#problem-and-notation). */
public record InputDistribution(String name, List<Position> positions) {

    public InputDistribution {
        positions = List.copyOf(positions);
        if (positions.isEmpty()) {
            throw new IllegalArgumentException("distribution '" + name + "' has no positions");
        }
    }

    public int length() {
        return positions.size();
    }

    public Position position(int i) {
        return positions.get(i);
    }

    /** Number of distinct inputs, saturating at Long.MAX_VALUE. */
    public long supportSize() {
        long n = 1;
        try {
            for (Position p : positions) {
                n = Math.multiplyExact(n, p.size());
            }
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
        return n;
    }

    public int[] sample(RandomGenerator random) {
        int[] x = new int[positions.size()];
        for (int i = 0; i < x.length; i++) {
            Position p = positions.get(i);
            x[i] = p.id(p.sampleIndex(random));
        }
        return x;
    }
}
