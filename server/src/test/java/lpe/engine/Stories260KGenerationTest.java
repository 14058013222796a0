package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import lpe.model.HfVocabulary;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.Test;

class Stories260KGenerationTest {

    /** The continuation printed in shared/models/stories260K/README.md (verified there against llama2.c and transformers). */
    private static final String README_CONTINUATION = "Once upon a time, there was a little girl named Lily. She loved to"
            + " play outside in the park. One day, she saw a big, red ball.";

    @Test
    void greedyGenerationReproducesTheReadme() {
        Model model = new ModelReader().read(TestModels.stories260K());
        HfVocabulary vocabulary = (HfVocabulary) model.vocabulary();
        int[] prompt = new int[] {1, 403, 407, 261, 378}; // README: "Once upon a time" with BOS
        assertArrayEquals(prompt, vocabulary.encodePrompt("Once upon a time"));
        try (DjlEngine engine = new DjlEngine(model)) {
            int[] ids = new GreedyDecoder(engine).continueGreedily(prompt, 40);
            assertEquals(45, ids.length);
            assertEquals(README_CONTINUATION, vocabulary.decode(ids));
        }
    }
}
