package lpe.estimate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An estimator's saved state as bytes: a header (format, method name, the state's version) and then the values in
 * the order the estimator writes them. Numbers are stored as their exact bits, so a restored state computes bit for
 * bit what the saved one would have. Reading a state of another method or version, or a truncated one, throws
 * {@link UnusableCheckpointException}.
 */
final class State {
    private static final int MAGIC = 0x4c504543; // "LPEC"

    private State() {}

    /** A writer whose header names {@code method} and {@code version}. */
    static Writer writer(String method, int version) {
        Writer w = new Writer();
        w.writeInt(MAGIC);
        w.writeString(method);
        w.writeInt(version);
        return w;
    }

    /** A reader of {@code bytes}, refused unless they are a state of {@code method} at {@code version}. */
    static Reader reader(byte[] bytes, String method, int version) {
        Reader r = new Reader(bytes);
        if (r.readInt() != MAGIC) {
            throw new UnusableCheckpointException("the checkpoint is not an estimator state");
        }
        String savedMethod = r.readString();
        int savedVersion = r.readInt();
        if (!savedMethod.equals(method) || savedVersion != version) {
            throw new UnusableCheckpointException("the checkpoint is a state of " + savedMethod + " version "
                    + savedVersion + ", not of " + method + " version " + version);
        }
        return r;
    }

    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        private Writer() {}

        byte[] toBytes() {
            return bytes.toByteArray();
        }

        void writeInt(int v) {
            io(() -> out.writeInt(v));
        }

        void writeLong(long v) {
            io(() -> out.writeLong(v));
        }

        void writeDouble(double v) {
            io(() -> out.writeLong(Double.doubleToRawLongBits(v)));
        }

        void writeString(String s) {
            io(() -> out.writeUTF(s));
        }

        /** An array, or null. */
        void writeInts(int[] a) {
            writeInt(a == null ? -1 : a.length);
            if (a != null) {
                for (int v : a) {
                    writeInt(v);
                }
            }
        }

        void writeFloats(float[] a) {
            writeInt(a == null ? -1 : a.length);
            if (a != null) {
                for (float v : a) {
                    writeInt(Float.floatToRawIntBits(v));
                }
            }
        }

        void writeDoubles(double[] a) {
            writeInt(a == null ? -1 : a.length);
            if (a != null) {
                for (double v : a) {
                    writeDouble(v);
                }
            }
        }

        private interface Io {
            void run() throws IOException;
        }

        private static void io(Io write) {
            try {
                write.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a byte array does not fail
            }
        }
    }

    static final class Reader {
        private final DataInputStream in;

        private Reader(byte[] bytes) {
            in = new DataInputStream(new ByteArrayInputStream(bytes));
        }

        int readInt() {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw truncated();
            }
        }

        long readLong() {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw truncated();
            }
        }

        double readDouble() {
            return Double.longBitsToDouble(readLong());
        }

        boolean readBoolean() {
            return readInt() != 0;
        }

        String readString() {
            try {
                return in.readUTF();
            } catch (IOException e) {
                throw truncated();
            }
        }

        int[] readInts() {
            int n = length();
            if (n < 0) {
                return null;
            }
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = readInt();
            }
            return a;
        }

        float[] readFloats() {
            int n = length();
            if (n < 0) {
                return null;
            }
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = Float.intBitsToFloat(readInt());
            }
            return a;
        }

        double[] readDoubles() {
            int n = length();
            if (n < 0) {
                return null;
            }
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = readDouble();
            }
            return a;
        }

        /** A length no larger than what is left to read (so a corrupt one cannot allocate gigabytes). */
        private int length() {
            int n = readInt();
            try {
                if (n > in.available()) {
                    throw truncated();
                }
            } catch (IOException e) {
                throw truncated();
            }
            return n;
        }

        private static UnusableCheckpointException truncated() {
            return new UnusableCheckpointException("the checkpoint is truncated");
        }
    }
}
