package lpe.jobs;

import java.util.List;

/**
 * What a job computes, as submitted and stored. Exactly one of {@code preset} and {@code specJson} is set. Targets
 * are spelled as on the command line: a tokenizer.json string ({@code ▁cat}) or {@code id:N}. {@code temperature}
 * null means "the method's rule". The seed is always set (the server picks one when the client did not), so a stored
 * spec reruns identically.
 */
public record JobSpec(
        String model,
        String preset,
        String specJson,
        List<String> targets,
        String behavior,
        String method,
        long budget,
        Double temperature,
        long seed) {

    public JobSpec {
        targets = List.copyOf(targets);
    }
}
