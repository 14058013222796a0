package lpe.cli;

import com.google.gson.Gson;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import lpe.engine.GreedyDecoder;
import lpe.jobs.ModelHandle;
import lpe.model.HfVocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lpe generate}: the greedy continuation of a prompt, printed as text (prompt included). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Greedy (temperature 0) continuation of a prompt, in-process on the engine --engine names.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory or Hugging Face repo id ORG/NAME.")
    String model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "Prompt, tokenized as Hugging Face's tokenizer(text) does (BOS added where the tokenizer adds it).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "40", paramLabel = "N", description = "New tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--json", description = "Print one JSON object {\"ids\":[..], \"text\":..} as the last line.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (maxTokens < 0) {
            spec.commandLine().getErr().println("lpe generate: --max-tokens is " + maxTokens + "; expected 0 or more");
            return 1;
        }
        int[] ids;
        String text;
        // Bad input (model, prompt, engine options) throws; OneLineErrors prints it as one line.
        try (ModelHandle loaded = engine.open(LocalModels.resolve(model))) {
            HfVocabulary vocabulary = (HfVocabulary) loaded.vocabulary();
            ids = new GreedyDecoder(loaded.engine()).continueGreedily(vocabulary.encodePrompt(prompt), maxTokens);
            text = vocabulary.decode(ids);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ids", Arrays.stream(ids).boxed().toList());
            result.put("text", text);
            out.println(new Gson().toJson(result));
        } else {
            out.println(text);
        }
        out.flush();
        return 0;
    }
}
