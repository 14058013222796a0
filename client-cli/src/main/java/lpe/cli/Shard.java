package lpe.cli;

/**
 * {@code --shard I/N}: the I-th of N equal slices of the sample indices [0, S) of one seed's stream, samples
 * [⌊(I−1)·S/N⌋, ⌊I·S/N⌋). Sample k of a ground-truth run depends on (seed, k) alone, so N shards of the same --seed and
 * --samples count disjoint samples whose counts add up to one run's.
 */
record Shard(long index, long count) {

    static final Shard WHOLE = new Shard(1, 1);

    /** Parses "I/N" with 1 ≤ I ≤ N; anything else is a one-line error naming --shard. */
    static Shard parse(String text) {
        String[] parts = text.split("/", -1);
        try {
            if (parts.length == 2) {
                long i = Long.parseLong(parts[0].strip());
                long n = Long.parseLong(parts[1].strip());
                if (n >= 1 && i >= 1 && i <= n) {
                    return new Shard(i, n);
                }
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new UserError("--shard: expected I/N with whole numbers 1 <= I <= N, got '" + text + "'");
    }

    /** The first sample index of this shard among {@code samples}. */
    long first(long samples) {
        return scaled(index - 1, samples);
    }

    /** One past the last sample index of this shard among {@code samples}. */
    long end(long samples) {
        return scaled(index, samples);
    }

    /** ⌊i·samples/count⌋ without overflow. */
    private long scaled(long i, long samples) {
        return java.math.BigInteger.valueOf(i).multiply(java.math.BigInteger.valueOf(samples))
                .divide(java.math.BigInteger.valueOf(count)).longValueExact();
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
