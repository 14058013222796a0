package lpe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import lpe.cli.ReportPlots.Point;
import lpe.cli.ResultFile.EstimateResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lpe report FILE... [--out DIR]}: an HTML page with PNG plots from the JSON results of {@code lpe estimate},
 * {@code exact} and {@code ground-truth}: estimates against their exact or ground-truth value, and, for a target with
 * estimates at several budgets, how the estimate converges as the budget grows. With {@code --paper SCORES}: the page
 * of the paper's evaluation instead ({@link PaperReport}).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Turn result files (JSON of lpe estimate, exact, ground-truth) into an HTML page with plots.")
public final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "FILE",
            description = "Result files: the --json output of lpe estimate, exact or ground-truth (one JSON object per "
                    + "line; append runs at several budgets to one file to plot convergence).")
    List<Path> files;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "report",
            description = "Directory for index.html and the PNG plots (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--paper", paramLabel = "SCORES",
            description = "The scores file of lpe bench paper (docs/benchmarks/paper/*.scores.json): writes paper.html"
                    + " with its tables and plots.")
    Path paper;

    @Spec
    CommandSpec spec;

    /** One table row: an estimate and, if known, what it is judged against. */
    record Row(EstimateResult estimate, Optional<References.Reference> reference) {}

    @Override
    public Integer call() throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (paper != null) {
            if (files != null && !files.isEmpty()) {
                throw new UserError("--paper takes the scores file alone; make the page of result FILEs in another run");
            }
            spec.commandLine().getOut().println(PaperReport.write(paper, out));
            spec.commandLine().getOut().flush();
            return 0;
        }
        if (files == null || files.isEmpty()) {
            throw new UserError("give result FILEs (lpe estimate, exact, ground-truth --json) or --paper SCORES");
        }
        var results = ResultFile.read(files);
        if (results.estimates().isEmpty()) {
            throw new UserError("no estimates in " + files + "; a report needs at least one lpe estimate --json result");
        }
        Files.createDirectories(out);
        var references = new References(results);
        var rows = results.estimates().stream().map(e -> new Row(e, references.of(e))).toList();

        var plots = new ArrayList<String>();
        var vsReference = new LinkedHashMap<String, List<Point>>();
        for (var row : rows) {
            row.reference().filter(r -> r.probability() > 0 && row.estimate().estimate() > 0).ifPresent(r ->
                    vsReference.computeIfAbsent(row.estimate().method(), m -> new ArrayList<>())
                            .add(new Point(r.probability(), row.estimate())));
        }
        if (!vsReference.isEmpty()) {
            ReportPlots.estimateVsReference(vsReference, out.resolve("estimate-vs-reference.png"));
            plots.add("estimate-vs-reference.png");
        }
        for (var target : byTarget(rows).entrySet()) {
            var targetRows = target.getValue();
            var byMethod = new LinkedHashMap<String, List<Point>>();
            targetRows.stream().filter(r -> r.estimate().estimate() > 0 && r.estimate().passes() > 0)
                    .forEach(r -> byMethod.computeIfAbsent(r.estimate().method(), m -> new ArrayList<>())
                            .add(new Point(r.estimate().passes(), r.estimate())));
            if (byMethod.values().stream().noneMatch(points -> points.size() >= 2)) {
                continue; // convergence needs one method at two budgets or more
            }
            double reference = targetRows.getFirst().reference().map(References.Reference::probability).orElse(0.0);
            String png = "convergence-" + target.getKey().replaceAll("[^A-Za-z0-9_-]", "_") + ".png";
            ReportPlots.convergence("Convergence: target " + target.getKey(), byMethod, reference, out.resolve(png));
            plots.add(png);
        }
        Path page = out.resolve("index.html");
        Files.writeString(page, ReportPage.html(files, rows, plots));
        spec.commandLine().getOut().println(page);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static Map<String, List<Row>> byTarget(List<Row> rows) {
        var map = new LinkedHashMap<String, List<Row>>();
        for (var row : rows) {
            var e = row.estimate();
            String key = e.targetId() >= 0 ? "id " + e.targetId() + (e.token().isEmpty() ? "" : " " + e.token())
                    : "unnamed";
            map.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        }
        return map;
    }
}
