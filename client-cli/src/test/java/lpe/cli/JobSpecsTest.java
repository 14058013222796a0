package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import lpe.v1.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSpecsTest {

    @TempDir
    Path dir;

    @Test
    void presetTokenAndOptionalFields() {
        JobSpec spec = JobSpecs.of("stories260K", "hex", "▁cat", null, "itgis", 4096, null, 5L).build();
        assertEquals("hex", spec.getPreset());
        assertEquals("▁cat", spec.getTargets(0).getToken());
        assertEquals(5L, spec.getSeed());
        assertFalse(spec.hasTemperature());
        assertEquals("", spec.getBehavior());
    }

    @Test
    void specFileIsSentInlineAndIdTargetsByNumber() throws Exception {
        Path file = dir.resolve("d.json");
        String json = "{\"name\":\"x\",\"positions\":[{\"id\":1}]}";
        Files.writeString(file, json);
        JobSpec spec = JobSpecs.of("m", file.toString(), "id:300", "sample:2", "mhis", 10, 0.5, null).build();
        assertEquals(json, spec.getSpecJson());
        assertEquals(300, spec.getTargets(0).getId());
        assertEquals(0.5, spec.getTemperature());
        assertEquals("sample:2", spec.getBehavior());
    }

    @Test
    void badDistAndTargetAreNamed() {
        var e = assertThrows(UserError.class, () -> JobSpecs.of("m", "nosuch", "a", null, "itgis", 1, null, null));
        assertEquals("--dist: 'nosuch' is neither a preset [camel, caps, colon, english, hex, icl, if, spanish] nor a "
                + "JSON spec file", e.getMessage());
        e = assertThrows(UserError.class, () -> JobSpecs.target("id:x"));
        assertEquals("--target: expected id:N with a whole number N, got 'id:x'", e.getMessage());
    }
}
