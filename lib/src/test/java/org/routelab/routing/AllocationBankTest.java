package org.routelab.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

class AllocationBankTest {
    private static final int TASKS = 4;
    private static final int SKILLS = 3;
    private static final int BATCH = 2;
    private static final int MEMBERS = 3;

    /**
     * The allocations of a bank, computed together in a training pass (asked in any order), are each
     * the normalised Gumbel-sigmoid sample written out with its own rows of one draw of the pass's
     * stream, {@code u [allocations, B, T, S]} in creation order, in values and in each logits' gradient.
     */
    @Test
    void togetherEachGetsItsOwnRowsOfOneDraw() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<SkillAllocation> bank = bank(m, RouterOptions.DEFAULT);
            NDArray u = RandomStream.of(5).uniform(m, 1e-6f, 1f - 1e-6f, new Shape(MEMBERS, BATCH, TASKS, SKILLS),
                    DataType.FLOAT32);
            NDArray lossWeights = m.randomNormal(new Shape(MEMBERS, BATCH, TASKS, SKILLS));
            ForwardContext pass = ForwardContext.train(RandomStream.of(5)).newPass();
            float[][] together = valuesAndGradients(bank, lossWeights, List.of(2, 0, 1),
                    (a, scope) -> a.weights(pass, scope, BATCH));
            float[][] written = valuesAndGradients(bank, lossWeights, List.of(0, 1, 2), (a, scope) -> {
                int i = bank.indexOf(a);
                NDArray noisy = a.logits().add(u.get(i).div(u.get(i).neg().add(1f)).log());
                NDArray phi = Activation.sigmoid(noisy);
                return phi.div(phi.sum(new int[] {2}, true).add(1e-12f));
            });
            assertArrayEquals(written[0], together[0], 1e-6f);
            assertArrayEquals(written[1], together[1], 1e-6f);
        }
    }

    /**
     * Without noise (evaluation, deterministic sigmoid training) a pass that computes the bank together
     * gives each allocation what it computes alone (a context that remembers nothing).
     */
    @Test
    void withoutNoiseTogetherEqualsAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (RouterOptions options : new RouterOptions[] {RouterOptions.DEFAULT,
                    new RouterOptions(RouterOptions.Sampling.SIGMOID, 0.5f, false)}) {
                List<SkillAllocation> bank = bank(m, options);
                ForwardContext alone = options.noisy() ? ForwardContext.eval() : ForwardContext.train();
                ForwardContext pass = alone.newPass();
                for (SkillAllocation a : bank) {
                    NDArray w = a.weights(pass, m, BATCH);
                    assertEquals(new Shape(1, TASKS, SKILLS), w.getShape());
                    assertArrayEquals(a.weights(alone, m, BATCH).toFloatArray(), w.toFloatArray(), 1e-7f);
                }
            }
        }
    }

    /** The per-skill layout of a pass is its weights {@code [B, T, S]} laid out as {@code [S, B, 1, 1, T]}, alone or together. */
    @Test
    void bySkillIsTheSameWeightsLaidOutPerSkill() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<SkillAllocation> bank = bank(m, RouterOptions.DEFAULT);
            for (ForwardContext ctx : new ForwardContext[] {ForwardContext.train(RandomStream.of(3)).newPass(),
                    ForwardContext.eval().newPass(), ForwardContext.eval()}) {
                for (SkillAllocation a : bank) {
                    NDArray bySkill = a.weightsBySkill(ctx, m, BATCH);
                    NDArray weights = a.weights(ctx, m, BATCH);
                    long rows = weights.getShape().get(0);
                    assertEquals(new Shape(SKILLS, rows, 1, 1, TASKS), bySkill.getShape());
                    assertArrayEquals(weights.transpose(2, 0, 1).expandDims(2).toFloatArray(), bySkill.toFloatArray(), 0f);
                }
            }
        }
    }

    /** Two passes over one bank may interleave: each keeps its own draw, as a pass made again from its seed. */
    @Test
    void interleavedPassesKeepTheirOwnDraws() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<SkillAllocation> bank = bank(m, RouterOptions.DEFAULT);
            ForwardContext first = ForwardContext.train(RandomStream.of(1)).newPass();
            ForwardContext second = ForwardContext.train(RandomStream.of(2)).newPass();
            List<float[]> interleaved = new ArrayList<>();
            for (SkillAllocation a : bank) {
                interleaved.add(a.weights(first, m, BATCH).toFloatArray());
                a.weights(second, m, BATCH);
            }
            ForwardContext again = ForwardContext.train(RandomStream.of(1)).newPass();
            for (int i = 0; i < MEMBERS; i++) {
                assertArrayEquals(bank.get(i).weights(again, m, BATCH).toFloatArray(), interleaved.get(i), 0f);
            }
        }
    }

    /** Three allocations of one bank with random logits. */
    private static List<SkillAllocation> bank(NDManager m, RouterOptions options) {
        AllocationBank bank = new AllocationBank();
        List<SkillAllocation> all = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            SkillAllocation a = new SkillAllocation(bank, m, TASKS, SKILLS, options, RandomStream.of(i), DataType.FLOAT32);
            a.parameter("module_logits").set(RandomStream.of(10 + i).normal(m, 0f, 1f, new Shape(TASKS, SKILLS),
                    DataType.FLOAT32));
            all.add(a);
        }
        return all;
    }

    /** The allocations' weights {@code [B, T, S]}, and the logits' gradients under {@code sum(w * lossWeights)}. */
    private static float[][] valuesAndGradients(List<SkillAllocation> bank, NDArray lossWeights, List<Integer> order,
            BiFunction<SkillAllocation, NDManager, NDArray> weights) {
        bank.forEach(a -> a.setTrainable(true));
        try (NDManager scope = lossWeights.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray[] w = new NDArray[MEMBERS];
            for (int i : order) {
                w[i] = weights.apply(bank.get(i), scope);
            }
            for (NDArray wi : w) {
                assertEquals(new Shape(BATCH, TASKS, SKILLS), wi.getShape());
            }
            NDArray values = NDArrays.stack(new NDList(w));
            gc.backward(values.mul(lossWeights).sum());
            NDList gradients = new NDList();
            for (SkillAllocation a : bank) {
                try (NDArray g = a.logits().getGradient()) {
                    NDArray copy = g.duplicate();
                    copy.attach(scope);
                    gradients.add(copy);
                    g.subi(g);
                }
            }
            return new float[][] {values.toFloatArray(), NDArrays.stack(gradients).toFloatArray()};
        }
    }
}
