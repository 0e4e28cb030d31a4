package org.routelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.routelab.experiment.RunConfig;
import org.routelab.interop.AdapterExport;
import org.routelab.interop.ExportFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code routelab export}: a run's multi-task adapters as PEFT adapters, a merged model, or RouteLab's layout. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes the multi-task adapters of a run: --format peft (LoRA as PEFT's LORA, Poly/MHR as PEFT's"
                + " POLY with task_names.json; other methods in RouteLab's own layout, and the command says so),"
                + " merged (a Hugging Face model folder with the adapters merged into the weights) or routelab.")
final class ExportCommand implements Callable<Integer> {
    /** Where the run is: its folder (holding run.json, as train writes it) or its config. */
    static final class Source {
        @Option(names = "--run", description = "Run folder; its run.json (written by train) describes the run.")
        Path run;

        @Option(names = "--config", description = "The run's JSON config instead of --run.")
        Path config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    @Option(names = "--output", description = "With --config: the run folder, overriding the config's \"output\".")
    private Path output;

    @Option(names = "--format", required = true, description = "peft, merged or routelab.")
    private String format;

    @Option(names = "--mixture", description = "Poly/MHR: export one training task's mixture (its name) or the -mu"
            + " average (mu) as a plain LoRA; needed by --format merged.")
    private String mixture;

    @Option(names = "--heldout", description = "Export the adapter this held-out task ends with after few-shot"
            + " adaptation (redone deterministically with --seed): Poly/MHR as its mixture, a plain LoRA.")
    private String heldout;

    @Option(names = "--seed", defaultValue = "0", description = "With --heldout: the few-shot seed (default 0).")
    private int seed;

    @Option(names = "--out", required = true, description = "The folder to write.")
    private Path out;

    @Override
    public Integer call() {
        ExportFormat f = ExportFormat.parse(format);
        RunConfig run;
        if (source.run != null) {
            Path config = source.run.resolve(RunConfig.COPY);
            if (!Files.isRegularFile(config)) {
                throw new IllegalArgumentException("--run " + source.run + ": no " + RunConfig.COPY
                        + " (train writes it); give the run's config with --config instead");
            }
            run = RunConfig.read(config, source.run);
        } else {
            run = RunConfig.read(source.config, output);
        }
        if (heldout != null && mixture != null) {
            throw new IllegalArgumentException("--heldout exports that task's own mixture; drop --mixture");
        }
        AdapterExport.Outcome o = heldout != null
                ? run.experiment().exportAdapted(run.output(), heldout, seed, f, out)
                : run.experiment().export(run.output(), f, mixture, out);
        System.out.println("wrote " + o + " to " + out);
        return 0;
    }
}
