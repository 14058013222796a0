package lpe.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a .safetensors file (8-byte little-endian header length, JSON header, raw little-endian data) into float32
 * {@link Tensor}s. F16 and BF16 are widened here in Java (DJL aborts the JVM on BF16). Every offset in the header is
 * checked against the shape, the dtype and the file size before any data is read.
 */
final class SafetensorsReader {

    private static final long MAX_HEADER_BYTES = 100L << 20;

    private SafetensorsReader() {}

    static Map<String, Tensor> read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes; expected at least the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw bad(file, "header length " + headerLength + " does not fit a file of " + size
                        + " bytes; expected a JSON header inside the file (truncated?)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            channel.read(header, 8);
            JsonObject json;
            try {
                json = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw bad(file, "header is not a JSON object (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
                if (!entry.getKey().equals("__metadata__")) {
                    tensors.put(entry.getKey(), readTensor(file, channel, entry.getKey(), entry.getValue(), dataStart, dataSize));
                }
            }
            return tensors;
        } catch (NoSuchFileException e) {
            throw bad(file, "file not found");
        } catch (IOException e) {
            throw bad(file, "cannot read (" + e.getMessage() + ")");
        }
    }

    private static Tensor readTensor(Path file, FileChannel channel, String name, JsonElement spec, long dataStart,
            long dataSize) throws IOException {
        String where = "tensor '" + name + "'";
        if (!spec.isJsonObject()) {
            throw bad(file, where + " is " + spec + "; expected {dtype, shape, data_offsets}");
        }
        JsonObject o = spec.getAsJsonObject();
        String dtype;
        long[] shape;
        long begin;
        long end;
        try {
            dtype = o.get("dtype").getAsString();
            shape = new long[o.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = o.getAsJsonArray("shape").get(i).getAsLong();
            }
            begin = o.getAsJsonArray("data_offsets").get(0).getAsLong();
            end = o.getAsJsonArray("data_offsets").get(1).getAsLong();
        } catch (RuntimeException e) {
            throw bad(file, where + " header entry " + spec + " is malformed; expected {dtype, shape, data_offsets:[begin,end]}");
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw bad(file, where + " has unsupported dtype " + dtype + "; expected F32, F16 or BF16");
        };
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw bad(file, where + " has a negative dimension in shape " + o.get("shape"));
            }
            count *= d;
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw bad(file, where + " has " + count + " elements; at most " + (Integer.MAX_VALUE - 8) + " are supported");
        }
        if (begin < 0 || end < begin || end - begin != count * width || end > dataSize) {
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "]; expected " + count * width
                    + " bytes (" + dtype + " " + o.get("shape") + ") inside the " + dataSize + " data bytes");
        }
        ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        float[] data = new float[(int) count];
        switch (dtype) {
            case "F32" -> bytes.asFloatBuffer().get(data);
            case "F16" -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = Float.float16ToFloat(bytes.getShort(2 * i));
                }
            }
            default -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = Float.intBitsToFloat((bytes.getShort(2 * i) & 0xffff) << 16);
                }
            }
        }
        return new Tensor(name, shape, data);
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(file + ": " + what);
    }
}
