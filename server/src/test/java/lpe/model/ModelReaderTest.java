package lpe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ModelReaderTest {

    @Test
    void loadsStories260KAsItsReadmeDescribesIt() {
        Model model = new ModelReader().read(TestModels.stories260K());
        ModelConfig c = model.config();
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(512, c.vocabularySize());
        assertEquals(64, c.hiddenSize());
        assertEquals(5, c.layers());
        assertEquals(8, c.heads());
        assertEquals(4, c.kvHeads());
        assertEquals(8, c.headDim());
        assertEquals(172, c.intermediateSize());
        assertEquals(512, c.contextLength());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(8, c.rotaryDim());
        // README: 47 F32 tensors, 260,032 parameters, classifier tied to model.embed_tokens.weight
        assertEquals(47, model.weights().size());
        assertEquals(260_032, model.weights().values().stream().mapToLong(t -> t.data().length).sum());
        assertSame(model.embeddingMatrix(), model.unembeddingMatrix());
        assertArrayEquals(new long[] {512, 64}, model.embeddingMatrix().shape());
    }

    @Test
    void vocabularyMatchesStories260KReadme() {
        Vocabulary v = new ModelReader().read(TestModels.stories260K()).vocabulary();
        assertEquals(512, v.size());
        // README: "Once upon a time" is [1, 403, 407, 261, 378] with the BOS added
        assertArrayEquals(new int[] {403, 407, 261, 378}, v.encode("Once upon a time"));
        assertEquals(OptionalInt.of(1), v.bos());
        assertEquals("<s>", v.token(1));
        assertEquals("<0x41>", v.token(3 + 0x41));
        assertEquals(OptionalInt.of(3), v.id("<0x00>"));
        // single-token decode keeps the leading space of a ▁-piece (docs/methods.md#presets)
        assertEquals("▁time", v.token(378));
        assertEquals(" time", v.decode(378));
        assertEquals("A", v.decode(3 + 0x41));
    }
}
