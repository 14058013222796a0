package lpe.engine;

import static lpe.engine.ReducedReference.assertGroupSums;
import static lpe.engine.ReducedReference.assertProposals;
import static lpe.engine.ReducedReference.referenceArgmax;
import static lpe.engine.ReducedReference.referenceTargetLogits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native engine's estimator pass (lpe_run_estimator_pass) on CPU against Hugging Face transformers' own outputs
 * (native/test/make_reference.py): argmax and target logits against the reference logits, MHIS's proposal draws and
 * the one-hot gradient group sums against W_E[v] · g_i computed here, in double, from the reference gradients and the
 * checkpoint's embedding matrix ({@link ReducedReference}).
 */
class NativeEstimatorPassTest {

    static final double TOLERANCE = ReducedReference.TOLERANCE;
    static final Set<Output> REDUCED = EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT, Output.PROPOSALS,
            Output.ONE_HOT_GRADIENT_SUMS);

    /** A fixture's reference outputs, its input-embedding matrix W_E, and the native engine on its checkpoint. */
    record Fixture(FixtureReference.Case ref, float[][] embedding, NativeEngine engine) implements AutoCloseable {

        static Fixture open(String name) throws Exception {
            FixtureReference.Case ref = new Gson().fromJson(Files.readString(HfCheckpoint.fixture(name).resolve("reference.json")),
                    FixtureReference.Case.class);
            HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder(name));
            String embedding = switch (name) {
                case "gpt2-tiny" -> "transformer.wte.weight";
                case "gpt_neox-tiny" -> "gpt_neox.embed_in.weight";
                default -> "model.embed_tokens.weight";
            };
            return new Fixture(ref, NativeEngineReferenceTest.matrix(checkpoint.tensors(), embedding),
                    NativeEngine.open(HfCheckpoint.library(), checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32));
        }

        int length() {
            return ref.tokens()[0].length;
        }

        int vocabulary() {
            return embedding.length;
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2-tiny", "gpt_neox-tiny"})
    void matchesTransformers(String name) throws Exception {
        try (Fixture f = Fixture.open(name)) {
            int rows = f.ref().tokens().length;
            int t = f.length();
            int[] columns = {0, f.vocabulary() - 1, 5, 42, 5};  // both ends of the vocabulary, and one id twice
            int[][] positions = new int[rows][];
            for (int r = 0; r < rows; r++) {
                positions[r] = new int[] {t - 1, r % t, r % t, 0};  // a position repeated, the first and the last
            }
            int[] groups = {2, 0, 2, 2};  // uneven groups of 1 and 3 rows, and group 1 empty
            Set<Output> outputs = EnumSet.copyOf(REDUCED);
            outputs.add(Output.LOGITS);
            Random random = new Random(3);
            for (double temperature : new double[] {0.05, 2.0}) { // peaked and flat proposals
                Proposals proposals = new Proposals(ReducedReference.randomLaw(t, columns.length, temperature, random),
                        ReducedReference.uniforms(rows, 4, random), random.ints(rows, -1, columns.length).toArray());
                EngineResult drawn = f.engine().run(new EngineRequest(f.ref().tokens(), EnumSet.of(Output.PROPOSALS),
                        f.ref().targets(), columns, positions, null, proposals));
                assertProposals(f.embedding(), f.ref().gradients(), positions, columns, proposals, drawn.proposalDraws(),
                        name + " T=" + temperature);
            }
            Proposals proposals = new Proposals(ReducedReference.randomLaw(t, columns.length, 1.0, random),
                    ReducedReference.uniforms(rows, 4, random), random.ints(rows, -1, columns.length).toArray());
            EngineResult got = f.engine().run(new EngineRequest(f.ref().tokens(), outputs, f.ref().targets(), columns,
                    positions, groups, proposals));

            NativeEngineReferenceTest.assertClose(f.ref().logits(), got.logits(), name + " logits");
            assertArrayEquals(referenceArgmax(f.ref()), got.argmax(), name + " argmax");
            assertClose(referenceTargetLogits(f.ref()), got.targetLogits(), name + " target logits");
            assertProposals(f.embedding(), f.ref().gradients(), positions, columns, proposals, got.proposalDraws(), name);
            assertGroupSums(f.embedding(), f.ref().gradients(), groups, 3, columns, got.oneHotGradientSums(), name);
            assertNull(got.activations());
            assertNull(got.embeddingGradients());

            // Without a gradient output there is no backward: the same argmax and target logits.
            EngineResult forward = f.engine().run(new EngineRequest(f.ref().tokens(), EnumSet.of(Output.ARGMAX, Output.TARGET_LOGIT),
                    f.ref().targets()));
            assertArrayEquals(got.argmax(), forward.argmax(), name + " argmax without gradients");
            assertClose(referenceTargetLogits(f.ref()), forward.targetLogits(), name + " target logits without gradients");
            assertNull(forward.logits());
            assertNull(forward.oneHotGradientSums());
        }
    }

    @Test
    void aSingleRowWithoutGroupsIsOneGroup() throws Exception {
        try (Fixture f = Fixture.open("stories260K")) {
            int row = 2;
            int[][] tokens = {f.ref().tokens()[row]};
            int[] targets = {f.ref().targets()[row]};
            int[] columns = {7, 300};
            int[][] positions = {{f.length() - 1}};
            Proposals proposals = new Proposals(ReducedReference.randomLaw(f.length(), columns.length, 1.0, new Random(4)),
                    new float[][] {{0.5f}}, new int[] {1});
            EngineResult got = f.engine().run(new EngineRequest(tokens, REDUCED, targets, columns, positions, null, proposals));
            assertEquals(referenceArgmax(f.ref())[row], got.argmax()[0], "argmax");
            assertClose(new float[] {referenceTargetLogits(f.ref())[row]}, got.targetLogits(), "target logit");
            float[][][] gradients = {f.ref().gradients()[row]};
            assertProposals(f.embedding(), gradients, positions, columns, proposals, got.proposalDraws(), "single row");
            assertGroupSums(f.embedding(), gradients, new int[] {0}, 1, columns, got.oneHotGradientSums(), "single row");
        }
    }

    @Test
    void aRequestMixingBothKindsGetsEveryOutput() throws Exception {
        try (Fixture f = Fixture.open("gpt2-tiny")) {
            int[] columns = {3, 96};
            Set<Output> outputs = EnumSet.of(Output.LOGITS, Output.ACTIVATIONS, Output.EMBEDDING_GRADIENTS, Output.ARGMAX,
                    Output.ONE_HOT_GRADIENT_SUMS);
            EngineResult got = f.engine().run(new EngineRequest(f.ref().tokens(), outputs, f.ref().targets(), columns, null, null,
                    null));
            NativeEngineReferenceTest.assertClose(f.ref().logits(), got.logits(), "logits");
            NativeEngineReferenceTest.assertClose(f.ref().activations(), got.activations(), "activations");
            for (int r = 0; r < f.ref().tokens().length; r++) {
                NativeEngineReferenceTest.assertClose(f.ref().gradients()[r], got.embeddingGradients()[r], "gradients of row " + r);
            }
            assertArrayEquals(referenceArgmax(f.ref()), got.argmax(), "argmax");
            assertGroupSums(f.embedding(), f.ref().gradients(), new int[f.ref().tokens().length], 1, columns, got.oneHotGradientSums(), "one group of all rows");
            assertNull(got.targetLogits());
            assertNull(got.proposalDraws());
        }
    }

    @Test
    void noRowsGiveEmptyOutputs() throws Exception {
        try (Fixture f = Fixture.open("gpt2-tiny")) {
            Proposals none = new Proposals(ReducedReference.randomLaw(3, 1, 1.0, new Random(5)), new float[0][], new int[0]);
            EngineResult got = f.engine().run(new EngineRequest(new int[0][], REDUCED, new int[0], new int[] {1}, new int[0][],
                    null, none));
            assertEquals(0, got.argmax().length);
            assertEquals(0, got.targetLogits().length);
            assertEquals(0, got.proposalDraws().columns().length);
            assertEquals(1, got.oneHotGradientSums().length, "one group, of no positions");
            assertEquals(0, got.oneHotGradientSums()[0].length);
        }
    }

    @Test
    void badRequestsAreNamed() throws Exception {
        try (Fixture f = Fixture.open("stories260K")) {
            NativeEngine e = f.engine();
            int[][] tokens = {{1, 2, 3}, {1, 4, 5}};
            int[] targets = {6, 7};
            int[] columns = {8, 9};
            int[][] positions = {{0, 2}, {1, 1}};
            Set<Output> oneHot = Set.of(Output.PROPOSALS);
            Proposals ok = new Proposals(ReducedReference.randomLaw(3, 2, 1.0, new Random(6)), new float[][] {{0.1f, 0.9f}, {0, 0.5f}},
                    new int[] {-1, 1});
            Set<Output> sums = Set.of(Output.ONE_HOT_GRADIENT_SUMS);
            // Checked in Java (EngineRequest.checkOutputFields), for every engine.
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, Set.of(Output.TARGET_LOGIT), null)),
                    "outputs [TARGET_LOGIT] need one target per row (2), got none");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, sums, new int[] {6}, columns, null, null, null)),
                    "outputs [ONE_HOT_GRADIENT_SUMS] need one target per row (2), got 1");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, null, positions, null, ok)),
                    "one-hot gradients need columns (the token ids v of h_i(x)(v)), got none");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, sums, targets, new int[0], null, null, null)),
                    "one-hot gradients need columns (the token ids v of h_i(x)(v)), got an empty array");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, null, null, ok)),
                    "PROPOSALS needs positions for each row (2), got none");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, new int[][] {{0}}, null, ok)),
                    "PROPOSALS needs positions for each row (2), got 1 rows");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, new int[][] {{0, 1}, {2}}, null, ok)),
                    "positions of row 1 has 1 entries; expected 2 (every row asks for the same number)");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, new int[][] {{}, {}}, null, ok)),
                    "positions of row 0 are empty; PROPOSALS needs at least one per row");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, sums, targets, columns, null, new int[] {0}, null)),
                    "groups has 1 entries; expected one per row (2)");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, sums, targets, columns, null, new int[] {0, -1}, null)),
                    "group -1 of row 1 is negative; groups are 0..G-1");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, Set.of(Output.TARGET_LOGIT), new int[] {6, 512})),
                    "target 512 of row 1 is outside 0..511");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, sums, targets, new int[] {8, 512}, null, null, null)),
                    "column 1 (token id 512) is outside 0..511");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, new int[][] {{0, 2}, {3, 1}}, null, ok)),
                    "position 3 of row 1 (entry 0) is outside 0..2 (the rows have length 3)");
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, positions, null, null)),
                    "PROPOSALS needs proposals (law, uniforms, reverse columns), got none");
            Proposals wrongShape = new Proposals(ReducedReference.randomLaw(4, 2, 1.0, new Random(6)), ok.uniforms(), ok.reverseColumns());
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, positions, null, wrongShape)),
                    "the proposal law is [4][2]; expected [3 positions][2 columns]");
            Proposals uniformOne = new Proposals(ok.law(), new float[][] {{0.1f, 1f}, {0, 0.5f}}, ok.reverseColumns());
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, positions, null, uniformOne)),
                    "uniform 1.0 of row 0 (entry 1) is outside [0, 1)");
            Proposals reverseOut = new Proposals(ok.law(), ok.uniforms(), new int[] {2, 0});
            expect(IllegalArgumentException.class, () -> e.run(new EngineRequest(tokens, oneHot, targets, columns, positions, null, reverseOut)),
                    "reverse column 2 of row 0 is outside -1..1 (-1: none)");
            expect(IllegalArgumentException.class, () -> new ProposalLaw(new float[][] {{0, Float.NaN}}, 1.0),
                    "proposal log-prior of position 0, column 1 is NaN; expected a finite value or -Infinity");
            expect(IllegalArgumentException.class, () -> new ProposalLaw(new float[][] {{0}}, 0.0),
                    "proposal temperature must be positive and finite, got 0.0");
            // The native checks behind the Java ones, reached directly.
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, Set.of(Output.TARGET_LOGIT), new int[] {6, 512}, null, null, null, 0, null),
                    "target 512 of row 1 is outside 0..511");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, sums, targets, new int[] {8, 512}, null, null, 1, null),
                    "column 1 (token id 512) is outside 0..511");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, new int[][] {{0, 2}, {3, 1}}, null, 0, ok),
                    "position 3 of row 1 (entry 0) is outside 0..2 (the rows have length 3)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, new int[][] {{0, -1}, {0, 1}}, null, 0, ok),
                    "position -1 of row 0 (entry 1) is outside 0..2 (the rows have length 3)");
            // The native checks behind the Java ones, reached directly.
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, null, columns, positions, null, 0, ok),
                    "target logits, proposals and one-hot gradient sums need targets (targets is NULL)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, sums, targets, null, null, null, 1, null),
                    "proposals and one-hot gradient sums need columns (k = 0, columns NULL)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, new int[2][0], null, 0, ok),
                    "proposals need positions (n_pos = 0, positions given)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, positions, null, 0, null),
                    "proposals need log_priors, uniforms and reverse_columns (one is NULL)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, positions, null, 0, uniformOne),
                    "uniform 1.000000 of row 0 (entry 1) is outside [0, 1)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, oneHot, targets, columns, positions, null, 0, reverseOut),
                    "reverse column 2 of row 0 is outside -1..1");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, sums, targets, columns, null, null, 0, null),
                    "one-hot gradient sums need n_groups > 0, got 0");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, sums, targets, columns, null, new int[] {0, 2}, 2, null),
                    "group 2 of row 1 is outside 0..1 (n_groups = 2)");
            expect(NativeEngineException.class, () -> e.estimatorPass(tokens, Set.of(), null, null, null, null, 0, null),
                    "no output asked for (every output pointer is NULL)");
            // The engine still works after refusing.
            assertEquals(2, e.run(new EngineRequest(tokens, oneHot, targets, columns, positions, null, ok)).proposalDraws().columns().length);
        }
    }

    static void expect(Class<? extends RuntimeException> type, Executable call, String message) {
        RuntimeException e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(message), "message '" + e.getMessage() + "' should contain '" + message + "'");
    }

    static void assertClose(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what + ": length");
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r], got[r], TOLERANCE, what + " of row " + r);
        }
    }
}
