package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.AdapterWeights;
import org.routelab.analysis.RoutingMaps.RouterWeights;

class RoutingMapsTest {
    private static final String Q = "encoder.block.0.layer.0.SelfAttention.q.adapter";
    private static final String WO = "decoder.block.1.layer.2.DenseReluDense.wo.adapter";

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Two tasks, two heads of two experts in q; one group of two in wo. */
    private static AdapterWeights trained() {
        return new Weights()
                .put(Q + ".lora_a", new float[4], 1, 2, 2, 1)
                .put(Q + ".router.module_logits", new float[] {0, 0, 2, -2, /* task 1 */ 5, 5, -1, 1}, 2, 4)
                .put(WO + ".router.module_logits", new float[] {1, 1, 3, 0}, 2, 2)
                .put("decoder.block.1.layer.0.SelfAttention.q.adapter.skill_router.module_logits",
                        new float[] {0, 0, 0, 4, -4, 0}, 2, 3)
                .build(10);
    }

    @Test
    void taskRoutersNormaliseTheSigmoidOfTheLogitsPerGroup() {
        List<RouterWeights> routers = RoutingMaps.taskRouters(trained(), 2);
        assertEquals(2, routers.size(), "skill allocations are not task routers");
        RouterWeights q = routers.get(0);
        assertEquals(2, q.rows());
        assertEquals(2, q.groups());
        assertEquals(2, q.experts());
        assertArrayEquals(new double[] {0.5, 0.5}, q.weights()[0][0], 1e-9);
        double a = sigmoid(2);
        double b = sigmoid(-2);
        assertArrayEquals(new double[] {a / (a + b), b / (a + b)}, q.weights()[0][1], 1e-9);
        assertArrayEquals(new double[] {(0.5 + a / (a + b)) / 2, (0.5 + b / (a + b)) / 2}, q.meanOverGroups(0), 1e-9);
        assertEquals("enc 0 SelfAttention.q", q.label());
        assertEquals("dec 1 DenseReluDense.wo", routers.get(1).label());
        assertEquals(1, routers.get(1).groups());
    }

    @Test
    void layerMapsAndProfilesGatherEveryRouter() {
        List<RouterWeights> routers = RoutingMaps.taskRouters(trained(), 2);
        double[][] map = RoutingMaps.layerMap(routers, 1);
        assertEquals(2, map.length);
        assertArrayEquals(routers.get(1).weights()[1][0], map[1], 1e-12);
        double[][] profiles = RoutingMaps.profiles(routers);
        assertEquals(2, profiles.length);
        assertEquals(2 * 2 + 2, profiles[0].length);
        assertArrayEquals(routers.get(0).weights()[1][1], new double[] {profiles[1][2], profiles[1][3]}, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> RoutingMaps.profiles(List.of()));
    }

    @Test
    void skillAllocationsAreReadWithOneGroupPerAbstractTask() {
        List<RouterWeights> allocations = RoutingMaps.skillAllocations(trained());
        assertEquals(1, allocations.size());
        RouterWeights phi = allocations.get(0);
        assertEquals(2, phi.rows());
        assertEquals(1, phi.groups());
        assertEquals(3, phi.experts());
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, phi.weights()[0][0], 1e-9);
        assertEquals(1, java.util.Arrays.stream(phi.weights()[1][0]).sum(), 1e-9);
    }

    @Test
    void aWrongNumberOfExpertsIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoutingMaps.taskRouters(trained(), 3));
        assertTrue(e.getMessage().contains("module_logits") && e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void shortLabelsKeepBlockAndProjection() {
        assertEquals("layer 3 self_attn.q_proj", RoutingMaps.shortLabel("model.layers.3.self_attn.q_proj.adapter"));
        assertEquals("enc 11 DenseReluDense.wi_0",
                RoutingMaps.shortLabel("encoder.block.11.layer.1.DenseReluDense.wi_0.adapter.router.module_logits"));
    }
}
