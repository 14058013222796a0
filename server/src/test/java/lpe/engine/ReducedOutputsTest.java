package lpe.engine;

import static lpe.engine.ReducedReference.assertGroupSums;
import static lpe.engine.ReducedReference.assertProposals;
import static lpe.engine.ReducedReference.referenceArgmax;
import static lpe.engine.ReducedReference.referenceTargetLogits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.EnumSet;
import java.util.Random;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DjlEngine's reduced outputs (served from whole tensors by {@link ReducedOutputs}) against the same reductions of
 * transformers' logits and embedding gradients with the model's W_E ({@link ReducedReference}).
 */
class ReducedOutputsTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2", "llama_gqa", "gpt_neox"})
    void matchTransformersReductions(String name) {
        boolean stories = name.equals("stories260K");
        Model model = new ModelReader().read(stories ? TestModels.stories260K() : TestModels.fixture(name));
        FixtureReference reference = stories
                ? FixtureReference.readFile(TestModels.fixture("stories260K_reference.json"))
                : FixtureReference.read(model.directory());
        int vocabulary = model.config().vocabularySize();
        float[][] embedding = model.embeddingMatrix().rows();
        int[] columns = {vocabulary - 1, 0, 3, vocabulary / 2, 3}; // a repeated column too
        Random random = new Random(7);
        try (DjlEngine engine = new DjlEngine(model)) {
            for (FixtureReference.Case c : reference.cases()) {
                int rows = c.tokens().length;
                int length = c.tokens()[0].length;
                int[][] positions = new int[rows][];
                int[] groups = new int[rows];
                for (int b = 0; b < rows; b++) {
                    positions[b] = new int[] {length - 1, b % length, length - 1};
                    groups[b] = b == 0 ? 0 : 2; // group 1 stays empty; uneven groups
                }
                int[] reverse = random.ints(rows, -1, columns.length).toArray();
                // a high and a low temperature: flat and peaked proposals
                Proposals proposals = new Proposals(ReducedReference.randomLaw(length, columns.length,
                        c == reference.cases().getFirst() ? 0.05 : 2.0, random), ReducedReference.uniforms(rows, 3, random), reverse);
                EngineResult r = engine.run(new EngineRequest(c.tokens(), EnumSet.of(Output.ARGMAX,
                        Output.TARGET_LOGIT, Output.PROPOSALS, Output.ONE_HOT_GRADIENT_SUMS), c.targets(),
                        columns, positions, groups, proposals));
                assertNull(r.logits());
                assertNull(r.embeddingGradients());
                assertArrayEquals(referenceArgmax(c), r.argmax(), name + " argmax");
                assertArrayEquals(referenceTargetLogits(c), r.targetLogits(), (float) ReducedReference.TOLERANCE,
                        name + " target logits");
                assertProposals(embedding, c.gradients(), positions, columns, proposals, r.proposalDraws(), name);
                assertGroupSums(embedding, c.gradients(), groups, 3, columns, r.oneHotGradientSums(), name);
                assertEquals(length, r.oneHotGradientSums()[1].length, name + " an empty group has all positions");
            }
        }
    }
}
