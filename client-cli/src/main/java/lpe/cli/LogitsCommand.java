package lpe.cli;

import com.google.gson.Gson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import lpe.engine.EngineRequest;
import lpe.engine.Output;
import lpe.jobs.ModelHandle;
import lpe.model.HfVocabulary;
import lpe.model.Vocabulary;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lpe logits}: the top next-token logits at the last position of a prompt or of explicit ids. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "The largest next-token logits at the last position, in-process on the engine --engine names.")
public final class LogitsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory or Hugging Face repo id ORG/NAME.")
    String model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt, tokenized as Hugging Face's tokenizer(text) does.")
        String prompt;

        @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Token ids, comma-separated (no BOS added).")
        int[] ids;
    }

    @Option(names = "--top", defaultValue = "10", paramLabel = "K", description = "How many logits to print (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print one JSON object {\"ids\":[..], \"top\":[{\"id\":..,\"token\":..,\"logit\":..}, ..]}.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (top < 1) {
            spec.commandLine().getErr().println("lpe logits: --top is " + top + "; expected 1 or more");
            return 1;
        }
        int[] ids;
        float[] logits;
        Vocabulary vocabulary;
        // Bad input (model, ids, engine options) throws; OneLineErrors prints it as one line.
        try (ModelHandle loaded = engine.open(LocalModels.resolve(model))) {
            vocabulary = loaded.vocabulary();
            ids = input.ids != null ? input.ids : ((HfVocabulary) vocabulary).encodePrompt(input.prompt);
            if (ids.length == 0) {
                throw new IllegalArgumentException("the prompt encodes to no tokens; expected at least one");
            }
            checkIds(ids, loaded.engine().shape().vocabularySize());
            logits = loaded.engine().run(new EngineRequest(new int[][] {ids}, Set.of(Output.LOGITS), null)).logits()[0];
        }
        float[] values = logits;
        int[] best = IntStream.range(0, values.length).boxed()
                .sorted(Comparator.comparingDouble((Integer v) -> values[v]).reversed())
                .limit(top).mapToInt(Integer::intValue).toArray();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int id : best) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", id);
                row.put("token", vocabulary.token(id));
                row.put("logit", values[id]);
                rows.add(row);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ids", Arrays.stream(ids).boxed().toList());
            result.put("top", rows);
            out.println(new Gson().toJson(result));
        } else {
            out.println("ids: " + Arrays.toString(ids));
            out.printf("%6s  %-20s  %10s%n", "id", "token", "logit");
            for (int id : best) {
                out.printf("%6d  %-20s  %10.4f%n", id, vocabulary.token(id), values[id]);
            }
        }
        out.flush();
        return 0;
    }

    /**
     * Decision: the command checks the ids itself rather than leaving it to the engine, so that a bad id reads the
     * same on either engine (the native engine reports it as a failed native call).
     */
    private static void checkIds(int[] ids, int vocabularySize) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabularySize) {
                throw new IllegalArgumentException("--ids position " + i + ": token id " + ids[i]
                        + " is outside the vocabulary [0, " + vocabularySize + ")");
            }
        }
    }
}
