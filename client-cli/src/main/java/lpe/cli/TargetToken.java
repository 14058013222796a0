package lpe.cli;

import lpe.model.Vocabulary;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** A {@code --target}: a vocabulary string as tokenizer.json spells it ({@code ▁cat}), or {@code id:N}. */
record TargetToken(int id, String token) {

    static TargetToken parse(String spec, Vocabulary vocabulary, CommandSpec command) {
        int id;
        if (spec.startsWith("id:")) {
            try {
                id = Integer.parseInt(spec.substring(3));
            } catch (NumberFormatException e) {
                throw new ParameterException(command.commandLine(),
                        "--target: expected id:N with a whole number N, got '" + spec + "'");
            }
            if (id < 0 || id >= vocabulary.size()) {
                throw new ParameterException(command.commandLine(), "--target: id " + id
                        + " is outside the vocabulary [0, " + vocabulary.size() + ")");
            }
        } else {
            id = vocabulary.id(spec).orElseThrow(() -> new ParameterException(command.commandLine(),
                    "--target: '" + spec + "' is not a token of this vocabulary (spell it as tokenizer.json does, e.g."
                            + " ▁cat, or use id:N)"));
        }
        return new TargetToken(id, vocabulary.token(id));
    }
}
