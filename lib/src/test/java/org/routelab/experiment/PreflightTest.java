package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.data.Example;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.method.MethodConfig;
import org.routelab.testing.TinyRun;
import org.routelab.util.ConfigException;

/** What is refused from the backbone's structure, before any weights are read. */
class PreflightTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void tinyRun() throws IOException {
        TinyRun.write(dir);
    }

    private static ConfigException refused(MethodConfig method) {
        return assertThrows(ConfigException.class, () -> Preflight.check(method, dir.resolve("backbone"), null));
    }

    @Test
    void targetsThatMatchNothingListTheBackbonesProjections() {
        ConfigException e = refused(MethodConfig.defaults("lora").withTargets("SelfAtention", "q|v"));
        assertEquals("method.modules", e.path());
        assertTrue(e.problem().contains("matches modules /SelfAtention/ and layers /q|v/; its projections are ")
                && e.problem().contains("EncDecAttention.k, EncDecAttention.o, EncDecAttention.q, EncDecAttention.v,")
                && e.problem().contains("SelfAttention.q"), e.problem());
        Preflight.check(MethodConfig.defaults("lora").withTargets("SelfAttention", "q|v"), dir.resolve("backbone"), null);
    }

    @Test
    void sizesThatCannotFitAreRefusedWithTheEstimate() {
        // Order 64 grew to 22 GB and was killed by the operating system: 2^64 elements per Kronecker product.
        ConfigException order = refused(MethodConfig.defaults("tlora").with("order", 64));
        assertEquals("method", order.path());
        assertTrue(order.problem().startsWith("tlora (") && order.problem().contains("needs about")
                && order.problem().contains("bytes for the largest tensors of its adapters"), order.problem());
        ConfigException rank = refused(MethodConfig.defaults("mhr").with("skills", 1 << 20).with("rank", 1 << 20));
        assertTrue(rank.problem().contains("more than the"), rank.problem());
        Preflight.check(MethodConfig.defaults("tlora").with("order", 3), dir.resolve("backbone"), null);
        // MHR's heads must divide every projection (64 wide here): refused before the weights are read.
        ConfigException heads = refused(MethodConfig.defaults("mhr").with("heads", 48));
        assertEquals("method", heads.path());
        assertTrue(heads.problem().contains("48"), heads.problem());
    }

    @Test
    void examplesLongerThanTheBackbonesMaximumAreNamed() {
        TaskSuite small = SkillComp.generate(TinyRun.SMALL, 5).suite();
        Task first = small.training().get(0);
        Example longOne = Example.of(first.name(), String.join(" ", java.util.Collections.nCopies(600, "a")), "b");
        List<Example> examples = new java.util.ArrayList<>(first.examples());
        examples.add(longOne);
        List<Task> training = new java.util.ArrayList<>(small.training());
        training.set(0, new Task(first.name(), examples));
        TaskSuite suite = new TaskSuite(training, small.heldout());
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.builder().backbone(dir.resolve("backbone"))
                .suite(suite).method("lora").build().train(dir.resolve("long-run")));
        assertEquals("suite", e.path());
        assertTrue(e.problem().startsWith("training task '" + first.name() + "', example " + examples.size() + " ('a a a")
                && e.problem().contains("tokens, more than the backbone's maximum of 512"), e.problem());
    }
}
