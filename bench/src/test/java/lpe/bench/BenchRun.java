package lpe.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code lpe bench} in-process and captures its exit code, stdout and stderr. */
record BenchRun(int exit, String out, String err) {

    static BenchRun of(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cli = Bench.commandLine(false);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new BenchRun(exit, out.toString(), err.toString());
    }

    /** The JSON object of the last non-empty stdout line (where --json puts it). */
    JsonObject json() {
        var lines = out.strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
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
