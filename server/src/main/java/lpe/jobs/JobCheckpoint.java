package lpe.jobs;

import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import lpe.estimate.UnusableCheckpointException;

/**
 * A job's checkpoint as the store keeps it: the saved state of each target's estimator (none for a target that has not
 * saved one yet), as a count of targets and then each state's length (−1: none) and bytes.
 */
final class JobCheckpoint {
    private JobCheckpoint() {}

    static byte[] encode(byte[][] states) {
        int size = 4;
        for (byte[] s : states) {
            size += 4 + (s == null ? 0 : s.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(states.length);
        for (byte[] s : states) {
            out.putInt(s == null ? -1 : s.length);
            if (s != null) {
                out.put(s);
            }
        }
        return out.array();
    }

    /** The states of a job of {@code targets} targets; refused when the bytes are not such a checkpoint. */
    static byte[][] decode(byte[] bytes, int targets) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int n = in.getInt();
            if (n != targets) {
                throw new UnusableCheckpointException("the checkpoint has " + n + " targets' states, the job "
                        + targets + " targets");
            }
            byte[][] states = new byte[n][];
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length > in.remaining()) {
                    throw new BufferUnderflowException();
                }
                if (length >= 0) {
                    states[i] = new byte[length];
                    in.get(states[i]);
                }
            }
            return states;
        } catch (BufferUnderflowException e) {
            throw new UnusableCheckpointException("the checkpoint is truncated");
        }
    }
}
