package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every document the repository's files cite is in the repository: no file (source, test, script, proto, doc) cites
 * the project's old specifications outside it or a machine path. Model locations beside the repository
 * ({@code ../shared/models/...}) are not citations and are allowed.
 */
class DocumentCitationTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    // built from parts so that this file does not match itself
    private static final Pattern OUTSIDE = Pattern.compile(
            "\\b(?:METHODS|DESIGN|STACK)\\" + ".md\\b"
            + "|/" + "work/"
            + "|\\.\\./shared/(?!models\\b)");
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", "build", ".mvn", "runtime", "report");
    private static final long LARGEST_TEXT = 8 << 20;

    @Test
    void noFileCitesADocumentOrPathOutsideTheRepository() throws IOException {
        List<String> citations = new ArrayList<>();
        for (Path file : repositoryFiles()) {
            String text = text(file);
            if (text == null) {
                continue;
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = OUTSIDE.matcher(lines[i]);
                if (m.find()) {
                    citations.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), citations, "cite docs/*.md instead (docs/development.md)");
    }

    @Test
    void theCheckFindsEachKindOfCitation() {
        for (String line : List.of("see " + "METHODS" + ".md §3.1", "DESIGN" + ".md's contract", "(STACK" + ".md §5)",
                "/" + "work/venv/bin/python", "../" + "shared/DESIGN-style")) {
            assertTrue(OUTSIDE.matcher(line).find(), line);
        }
        assertFalse(OUTSIDE.matcher("../shared/models/stories260K and docs/methods.md#itgis").find());
    }

    /** The files git tracks, else (no git) every file outside build outputs. */
    private static List<Path> repositoryFiles() throws IOException {
        try {
            Process git = new ProcessBuilder("git", "ls-files", "-z").directory(ROOT.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (git.waitFor() == 0 && !out.isEmpty()) {
                return Stream.of(out.split("\0")).map(ROOT::resolve).filter(Files::isRegularFile).toList();
            }
        } catch (IOException | InterruptedException e) {
            // no git: walk the tree
        }
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        for (Path part : ROOT.relativize(f)) {
                            if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .toList();
        }
    }

    /** The file as UTF-8 text; null for binary or very large files. */
    private static String text(Path file) throws IOException {
        if (Files.size(file) > LARGEST_TEXT) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
