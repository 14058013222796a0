package lpe.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the lpe command line in-process and captures its exit code, stdout and stderr. */
record CliRun(int exit, String out, String err) {

    static CliRun of(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cli = Lpe.commandLine(args);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** The last non-empty line of stdout (where --json puts its object). */
    String lastLine() {
        var lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** The JSON object of the last stdout line. */
    JsonObject json() {
        return JsonParser.parseString(lastLine()).getAsJsonObject();
    }

    /** The one-line failure: exactly one line on stderr, no stack trace. */
    String oneLineError() {
        var lines = err.strip().split("\n");
        if (lines.length != 1 || err.contains("\tat ")) {
            throw new AssertionError("expected one line on stderr, got:\n" + err);
        }
        return lines[0];
    }
}
