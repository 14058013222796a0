package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lpe.dist.InputDistribution;
import lpe.model.ModelReader;
import lpe.model.Vocabulary;
import org.junit.jupiter.api.Test;

/**
 * The development suite as files (no engine): every entry's spec builds over its model's vocabulary, its exact file
 * belongs to that spec and is a probability law over the tokens, both splits are present, targets span 1e-8..1e-4,
 * picks are seeded and stay in range, and bad requests and stale files are refused by name.
 */
class DevSuiteTest {

    /** The repository root: the first folder above the working directory that holds models/gelu-1l. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("models/gelu-1l/config.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no models/gelu-1l above " + Path.of("").toAbsolutePath());
    }

    @Test
    void everyExactFileIsALawOverTokensOfItsEntrysDistribution() {
        Map<String, Vocabulary> vocabularies = new HashMap<>();
        for (DevSuite.Entry entry : DevSuite.entries()) {
            Vocabulary vocabulary = vocabularies.computeIfAbsent(entry.model(),
                    m -> new ModelReader().read(entry.modelDirectory(repositoryRoot())).vocabulary());
            InputDistribution d = entry.distribution(vocabulary);
            DevSuite.Exact exact = entry.exact();
            assertEquals(d.supportSize(), exact.inputs(), entry.name() + ": inputs enumerated");
            double total = exact.targets().stream().mapToDouble(DevSuite.Target::p).sum();
            assertEquals(1.0, total, 1e-12, entry.name() + ": the argmax probabilities add up to 1");
            for (int k = 1; k < exact.targets().size(); k++) {
                assertTrue(exact.targets().get(k - 1).p() >= exact.targets().get(k).p(), entry.name() + ": by decreasing p");
            }
        }
    }

    @Test
    void bothSplitsAreThereAndTargetsSpanOneInAHundredMillionToOneInTenThousand() {
        for (DevSuite.Split split : DevSuite.Split.values()) {
            List<DevSuite.Entry> entries = DevSuite.entries(split);
            assertFalse(entries.isEmpty(), split + " entries");
            assertTrue(entries.stream().anyMatch(e -> has(e.exact(), 1e-8, 1e-7)), split + " targets in 1e-8..1e-7");
            assertTrue(entries.stream().anyMatch(e -> has(e.exact(), 1e-5, 1e-4)), split + " targets in 1e-5..1e-4");
        }
    }

    @Test
    void picksAreSeededDistinctAndInRange() {
        DevSuite.Exact exact = DevSuite.entry("gelu-1l-code").exact();
        List<DevSuite.Target> a = exact.pick(1e-8, 1e-4, 5, 42);
        assertEquals(a, exact.pick(1e-8, 1e-4, 5, 42), "same seed, same targets");
        assertNotEquals(a, exact.pick(1e-8, 1e-4, 5, 43), "another seed, other targets");
        assertEquals(5, a.stream().mapToInt(DevSuite.Target::id).distinct().count());
        assertTrue(a.stream().allMatch(t -> t.p() >= 1e-8 && t.p() <= 1e-4));
        long inRange = exact.targets().stream().filter(t -> t.p() >= 1e-8 && t.p() <= 1e-4).count();
        assertEquals(inRange, exact.pick(1e-8, 1e-4, 100_000, 1).size(), "a count above the targets in range gives all");
    }

    @Test
    void badRequestsAndStaleFilesAreRefusedByName() {
        assertMessage("devsuite has no entry 'gelu-3l-code'; entries are [gelu-1l-code-mini,",
                assertThrows(IllegalArgumentException.class, () -> DevSuite.entry("gelu-3l-code")));
        DevSuite.Exact exact = DevSuite.entry("gelu-1l-code-mini").exact();
        assertMessage("devsuite entry 'gelu-1l-code-mini' has no target with p in [0.5, 0.6]",
                assertThrows(IllegalArgumentException.class, () -> exact.pick(0.5, 0.6, 3, 0)));
        assertMessage("devsuite pick: need 0 < low <= high <= 1 and count >= 1, got low 0.001, high 1.0E-4, count 3",
                assertThrows(IllegalArgumentException.class, () -> exact.pick(1e-3, 1e-4, 3, 0)));
        DevSuite.Entry entry = DevSuite.entry("gelu-1l-code-mini");
        DevSuite.Entry edited = new DevSuite.Entry(entry.name(), entry.model(), entry.split(), entry.specName(),
                entry.spec().replace("\"weights\": [1.0,", "\"weights\": [2.0,"));
        assertNotEquals(entry.spec(), edited.spec());
        assertMessage("devsuite entry 'gelu-1l-code-mini': its exact file was computed from spec ",
                assertThrows(IllegalStateException.class, edited::exact));
    }

    private static boolean has(DevSuite.Exact exact, double low, double high) {
        return exact.targets().stream().anyMatch(t -> t.p() >= low && t.p() <= high);
    }

    private static void assertMessage(String start, Throwable t) {
        assertTrue(t.getMessage().startsWith(start), "message: " + t.getMessage());
    }
}
