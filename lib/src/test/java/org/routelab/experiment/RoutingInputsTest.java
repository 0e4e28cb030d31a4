package org.routelab.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.analysis.IntuitionMap;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.data.EncodedExample;
import org.routelab.data.Example;
import org.routelab.data.TaskBatch;
import org.routelab.data.TaskSuite;
import org.routelab.data.skillcomp.SkillComp;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.data.skillcomp.SkillFamily;
import org.routelab.method.MethodConfig;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;
import org.routelab.nn.RandomStream;
import org.routelab.testing.SavedBackbones;

class RoutingInputsTest {
    private static final SkillCompConfig SMALL = new SkillCompConfig(12, 4, 2, 8, 2, 24, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    @TempDir
    Path dir;

    /** The intuition map of a backbone folder: every training example counted once, the fit seeded. */
    @Test
    void intuitionMapCountsEveryTrainingExampleAndRepeats() throws Exception {
        Path backbone = dir.resolve("backbone");
        SavedBackbones.write(BuiltinBackbone.Architecture.T5, SMALL, backbone);
        TaskSuite suite = SkillComp.generate(SMALL, 5).suite();
        MethodConfig trex = MethodConfig.defaults("trex").with("down", 2).with("up", 3);
        IntuitionMap map = RoutingInputs.intuitionMap(backbone, suite, trex);
        assertEquals(suite.trainingNames(), map.tasks());
        assertEquals(6, map.clusters());
        for (int t = 0; t < suite.numTrainingTasks(); t++) {
            assertEquals(suite.training().get(t).size(), java.util.Arrays.stream(map.nearest()[t]).sum());
        }
        IntuitionMap again = RoutingInputs.intuitionMap(backbone, suite, trex);
        for (int t = 0; t < suite.numTrainingTasks(); t++) {
            assertArrayEquals(map.meanPrior()[t], again.meanPrior()[t], 0.0, "the fit is seeded");
        }
        assertThrows(IllegalArgumentException.class,
                () -> RoutingInputs.intuitionMap(backbone, suite, MethodConfig.defaults("poly")));
    }

    @Test
    void trexPriorsComeFromTheFrozenBackboneAndStayPutAsAdaptersTrain() {
        try (NDManager m = NDManager.newBaseManager()) {
            MethodConfig config = MethodConfig.defaults("trex");
            T5Model pristine = TinyT5.model(m, true, 1);
            T5Model model = TinyT5.model(m, true, 1);
            config.inject(model, RandomStream.of(0), DataType.FLOAT32);
            List<EncodedExample> training = examples(48, 0);
            RoutingInputs inputs = RoutingInputs.prepare(config.routing(), model, training, RoutingInputs.Encoder.BACKBONE);
            TaskBatch batch = TaskBatch.of(m, examples(5, 100), model);

            ForwardContext ctx = inputs.context(batch, model, ForwardContext.train());
            assertTrue(ctx.training());
            assertFalse(ctx.hasTaskIds(), "T-REX reads no task ids");
            assertEquals(new Shape(5, 32), ctx.priors().getShape());
            float[] expected = inputs.intuition()
                    .prior(pristine.inputEmbedding(batch.inputs(), ForwardContext.eval())).toFloatArray();
            assertArrayEquals(expected, ctx.priors().toFloatArray(), 1e-6f);

            for (Map.Entry<String, Parameter> e : model.trainableParameters().entrySet()) {
                e.getValue().set(m.randomNormal(0f, 1f, e.getValue().shape(), DataType.FLOAT32));
            }
                        assertArrayEquals(expected, inputs.context(batch, model, ForwardContext.eval()).priors().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void taskIdsOnlyForMethodsThatRouteByTask() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 2);
            TaskBatch batch = TaskBatch.of(m, examples(3, 0), model);
            ForwardContext poly = RoutingInputs.prepare(MethodConfig.defaults("poly").routing(), model, List.of(),
                    RoutingInputs.Encoder.BACKBONE).context(batch, model, ForwardContext.eval());
            assertArrayEquals(new long[] {0, 1, 2}, poly.taskIds());
            assertFalse(poly.hasPriors());
            ForwardContext moe = RoutingInputs.prepare(MethodConfig.defaults("moe-lora").routing(), model, List.of(),
                    RoutingInputs.Encoder.BACKBONE).context(batch, model, ForwardContext.train());
            assertFalse(moe.hasTaskIds() || moe.hasPriors());
            moe.addAuxiliaryLoss(m.ones(new Shape())); // a pass: auxiliary losses are collected
            assertEquals(1f, moe.plusAuxiliaryLosses(m.zeros(new Shape())).getFloat());
            var few = assertThrows(IllegalStateException.class, () -> RoutingInputs.prepare(
                    MethodConfig.defaults("trex").routing(), model, examples(10, 0), RoutingInputs.Encoder.BACKBONE));
            assertTrue(few.getMessage().contains("into 32 groups") && few.getMessage().contains("only 10"), few.getMessage());
        }
    }

    /** {@code n} examples with distinct inputs over the tiny vocabulary; example i belongs to task i. */
    private static List<EncodedExample> examples(int n, int offset) {
        List<EncodedExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i + offset;
            long[] input = {2 + k % 37, 2 + (k * 7) % 37, 2 + (k * 13) % 37, 1};
            out.add(new EncodedExample(input, new long[] {5 + k % 30, 1}, i, List.of(), Example.NO_LABEL));
        }
        return out;
    }
}
