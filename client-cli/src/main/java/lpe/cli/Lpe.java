package lpe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lpe} command: every subcommand of DESIGN.md's command-line contract. */
@Command(
        name = "lpe",
        mixinStandardHelpOptions = true,
        description = "Estimate the probability that a language model produces a rare output.",
        subcommands = {
            // one line per subcommand; keep the order of DESIGN.md's contract
            GenerateCommand.class,
            LogitsCommand.class,
            BenchCommand.class,
        })
public final class Lpe implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Lpe()).execute(args));
    }
}
