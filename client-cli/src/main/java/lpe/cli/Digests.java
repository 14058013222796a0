package lpe.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import lpe.dist.InputDistribution;
import lpe.dist.Position;

/**
 * SHA-256 fingerprints that tell whether two ground-truth files count the same model and the same distribution,
 * whatever paths or names they were given by.
 */
final class Digests {

    private Digests() {}

    /** The weights: every *.safetensors file of the model directory, in name order, names and contents. */
    static String weights(Path directory) {
        MessageDigest sha = sha256();
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        if (files.isEmpty()) {
            throw new UserError("--model: " + directory + " has no *.safetensors file");
        }
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            sha.update(file.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The distribution: per position its token ids and their probabilities (not its name). */
    static String distribution(InputDistribution d) {
        MessageDigest sha = sha256();
        for (int p = 0; p < d.length(); p++) {
            Position position = d.position(p);
            ByteBuffer bytes = ByteBuffer.allocate(4 + 12 * position.size());
            bytes.putInt(position.size());
            for (int k = 0; k < position.size(); k++) {
                bytes.putInt(position.id(k)).putDouble(position.probability(k));
            }
            sha.update(bytes.array());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
