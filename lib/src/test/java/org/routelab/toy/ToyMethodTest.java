package org.routelab.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.Lora;
import org.routelab.adapter.LoraConfig;
import org.routelab.cli.RouteLab;
import org.routelab.data.JsonlTasks;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.experiment.ExperimentResult;
import org.routelab.experiment.RunConfig;
import org.routelab.method.AdapterSite;
import org.routelab.method.LearningRates;
import org.routelab.method.Method;
import org.routelab.method.MethodConfig;
import org.routelab.method.Methods;
import org.routelab.method.RoutingNeeds;
import org.routelab.routing.AdaptationVariant;
import org.routelab.testing.SavedBackbones;
import picocli.CommandLine;

/**
 * A method declared here, in the test sources, and registered at run time: run configs, {@code params}
 * and experiments take it like a built-in one, with no change to the library's sources.
 */
class ToyMethodTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    /**
     * LoRA whose update is scaled by a factor: {@code alpha = scale * r}.
     *
     * @param rank the rank
     * @param scale the factor
     */
    record Options(int rank, float scale) {
        Options {
            if (rank < 1 || !(scale > 0)) {
                throw new IllegalArgumentException("toy rank and scale must be positive, got " + rank + " and " + scale);
            }
        }
    }

    /** The toy method's whole declaration. */
    record ScaledLora() implements Method<Options> {
        @Override
        public String name() {
            return "scaled-lora";
        }

        @Override
        public List<String> aliases() {
            return List.of("Scaled-LoRA");
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public Options defaults() {
            return new Options(2, 0.5f);
        }

        @Override
        public Adapter adapter(AdapterSite site, Options o) {
            LoraConfig config = new LoraConfig(o.rank(), o.scale() * o.rank(), 0f, LoraConfig.T5_MODULES,
                    LoraConfig.T5_LAYERS);
            return new Lora(site.manager(), site.inFeatures(), site.outFeatures(), config, site.random(), site.dataType());
        }

        @Override
        public RoutingNeeds routing(Options o) {
            return RoutingNeeds.LAYER_INPUT;
        }

        @Override
        public LearningRates learningRates() {
            return new LearningRates(2e-2f, 2e-2f);
        }

        @Override
        public Set<AdaptationVariant> variants() {
            return Set.of(AdaptationVariant.FULL);
        }

        @Override
        public double largestTensor(Options o, int inFeatures, int outFeatures) {
            return (double) o.rank() * Math.max(inFeatures, outFeatures);
        }

        @Override
        public String describe(Options o, int trainingTasks) {
            return "r=" + o.rank() + ";scale=" + o.scale();
        }
    }

    @TempDir
    static Path dir;

    @BeforeAll
    static void registerAndWriteTheFiles() throws IOException {
        Methods.register(new ScaledLora());
        SavedBackbones.write(BuiltinBackbone.Architecture.T5, SMALL, dir.resolve("backbone"));
        JsonlTasks.writeSuite(dir.resolve("suite"), SkillComp.generate(SMALL, 5).suite());
    }

    @Test
    void aRunConfigBindsItsOptionsAndTheExperimentRunsIt() throws IOException {
        Path file = dir.resolve("run.json");
        Files.writeString(file, """
                {"output": "runs/toy", "backbone": "backbone", "suite": "suite", "seeds": [0],
                 "method": {"name": "SCALED-LORA", "scale": 2.0},
                 "multitask": {"steps": 3, "batch_size": 8}, "adaptation": {"shots": 8, "steps": 2}}
                """);
        RunConfig run = RunConfig.read(file, null);
        MethodConfig method = run.experiment().config().method();
        assertEquals(new Options(2, 2f), method.options(Options.class));
        assertEquals(2e-2f, run.experiment().config().multitaskLearningRate());
        ExperimentResult r = run.experiment().run(run.output());
        assertEquals("scaled-lora", r.name());
        assertTrue(r.method().startsWith("r=2;scale=2.0"), r.method());
        assertEquals(3, r.multitaskLosses().size());
        assertEquals(2, r.accuracyPerTask().size());
        assertTrue(Files.exists(run.output().resolve("results.json")));

        Files.writeString(file, "{\"output\": \"x\", \"method\": {\"name\": \"scaled-lora\", \"heads\": 4}}");
        var e = assertThrows(IllegalArgumentException.class, () -> RunConfig.read(file, null));
        assertTrue(e.getMessage().contains("method.heads: unknown key") && e.getMessage().contains("scale"),
                e.getMessage());
    }

    @Test
    void paramsCountsItWithItsOptions() {
        String csv = params("params", "--backbone", dir.resolve("backbone").toString(), "--method", "scaled-lora,lora",
                "-o", "rank=4");
        List<String> rows = csv.lines().toList();
        assertEquals(3, rows.size(), csv);
        String toy = rows.get(1);
        String lora = rows.get(2);
        assertTrue(toy.contains(",scaled-lora,r=4;scale=0.5,"), toy);
        // The same rank-4 LoRA factors: the scale changes the update, not the count.
        assertEquals(lora.split(",")[4], toy.split(",")[4], csv);
    }

    private static String params(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, new CommandLine(new RouteLab()).execute(args));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
