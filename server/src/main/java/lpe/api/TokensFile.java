package lpe.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lpe.jobs.Caller;

/**
 * {@code --tokens-file}: one identity a line, {@code name:role:token}, role {@code user} or {@code admin}; blank
 * lines and lines starting with {@code #} are ignored. Names are letters, digits, '.', '_' and '-'; names and tokens
 * are unique. A file that breaks a rule is refused with one line naming the file, the line and the rule.
 */
public final class TokensFile {
    private TokensFile() {}

    /** Each token and its identity. */
    public static Map<String, Caller> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--tokens-file " + file + " cannot be read ("
                    + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()) + ")");
        }
        Map<String, Caller> tokens = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "--tokens-file " + file + " line " + n + ": ";
            String[] parts = line.split(":", 3);
            if (parts.length < 3 || parts[2].isEmpty()) {
                throw new IllegalArgumentException(where + "expected name:role:token");
            }
            String name = parts[0];
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException(where + "the name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' must be letters, digits, '.', '_' or '-'");
            }
            if (!parts[1].equals("user") && !parts[1].equals("admin")) {
                throw new IllegalArgumentException(where + "role '" + parts[1].replaceAll("\\p{Cntrl}", "?")
                        + "' is not user or admin");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + "the name '" + name + "' is given twice");
            }
            Caller previous = tokens.putIfAbsent(parts[2], new Caller(name, parts[1].equals("admin")));
            if (previous != null) {
                throw new IllegalArgumentException(where + "'" + name + "' has the token of '" + previous.name()
                        + "'; each identity needs a token of its own");
            }
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("--tokens-file " + file + " names no identity (lines name:role:token)");
        }
        return tokens;
    }
}
