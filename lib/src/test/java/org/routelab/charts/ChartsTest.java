package org.routelab.charts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.AdapterWeights;
import org.routelab.analysis.Clustering;
import org.routelab.analysis.RoutingMaps.RouterWeights;
import org.routelab.analysis.Similarity;
import org.routelab.eval.SeedAggregate;
import org.routelab.experiment.AdaptationCurve;
import org.routelab.experiment.ExperimentResult;
import tech.tablesaw.plotly.components.Figure;

class ChartsTest {
    static ExperimentResult result(String name, double accuracy, long adaptationParams, List<Float> losses) {
        SeedAggregate scores = new SeedAggregate();
        scores.add("t", 0, accuracy);
        List<AdaptationCurve> curves = List.of(new AdaptationCurve("t", 0, List.of(2f, 1f), List.of(), List.of(), 2),
                new AdaptationCurve("u", 0, List.of(4f, 3f, 9f), List.of(), List.of(), 3));
        return new ExperimentResult(name, "r=1", scores, List.of(0), 10, adaptationParams, losses, curves, 1.0,
                AdapterWeights.EMPTY, List.of());
    }

    private static String js(Figure f) {
        return f.asJavascript("div");
    }

    @Test
    void lossCurvesOneLinePerResultWithCurves() {
        String multitask = js(Charts.multitaskLosses(List.of(result("poly", 0.5, 10, List.of(3f, 1f, 2f)),
                result("fresh", 0.4, 10, List.of())), 2));
        assertTrue(multitask.contains("poly") && !multitask.contains("fresh"), multitask);
        assertTrue(multitask.contains("moving average of 2 steps"), multitask);
        String adaptation = js(Charts.adaptationLosses(List.of(result("poly", 0.5, 10, List.of(1f)))));
        assertTrue(adaptation.contains("y: [\"3.0\",\"2.0\"]"), "mean of 2,1 and 4,3 over the shortest curve: " + adaptation);
        assertThrows(IllegalArgumentException.class,
                () -> Charts.multitaskLosses(List.of(result("fresh", 0.4, 10, List.of())), 1));
    }

    @Test
    void movingAverageUsesTheStepsSoFarAtTheStart() {
        assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5}, Charts.movingAverage(List.of(1f, 2f, 3f, 4f), 2), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Charts.movingAverage(List.of(1f), 0));
    }

    @Test
    void accuracyAgainstParametersIsALogScaleScatterInPercent() {
        String s = js(Charts.accuracyVsParameters(List.of(result("lora", 0.25, 100, List.of()),
                result("mhr-z", 0.5, 10, List.of()))));
        assertTrue(s.contains("log") && s.contains("mhr-z") && s.contains("50.0"), s);
    }

    @Test
    void heatmapsRoutingMapsAndSimilarities() {
        RouterWeights r1 = new RouterWeights("encoder.block.0.layer.0.SelfAttention.q.adapter.router.module_logits",
                new double[][][] {{{0.25, 0.75}}});
        RouterWeights r2 = new RouterWeights("encoder.block.0.layer.0.SelfAttention.k.adapter.router.module_logits",
                new double[][][] {{{1, 0}}});
        String map = js(Charts.routingMap("task 0", List.of(r1, r2), 0));
        assertTrue(map.contains("heatmap") && map.contains("enc 0 SelfAttention.k") && map.contains("expert 1"), map);
        assertThrows(IllegalArgumentException.class,
                () -> Charts.heatmap("bad", List.of("a"), List.of("x", "y"), new double[][] {{1}}));
        String sim = js(Charts.similarity("experts", Similarity.cosine(List.of("a", "b"), new double[][] {{1, 0}, {1, 1}})));
        assertTrue(sim.contains("heatmap") && sim.contains("0.707"), sim);
    }

    @Test
    void dendrogramDrawsOneShapePerMergeAndTheLeaves() {
        Clustering c = Clustering.averageLinkage(Similarity.cosine(List.of("a", "b", "c"),
                new double[][] {{1, 0}, {1, 0.1}, {0, 1}}));
        Figure f = Charts.dendrogram("tasks", c);
        assertEquals(2 + 1, f.getTraces().length);
        String s = js(f);
        assertTrue(s.contains("\"a\"") && s.contains("\"c\""), s);
    }

    @Test
    void pathsAreThreeDimensionalLines() {
        Map<String, double[][]> paths = new LinkedHashMap<>();
        paths.put("trex", new double[][] {{0, 0, 0}, {1, 2, 3}});
        paths.put("flat", new double[][] {{0, 0}, {1, 1}});
        Figure f = Charts.paths3d("router trajectories", paths);
        assertEquals(2, f.getTraces().length);
        assertTrue(js(f).contains("scatter3d"), js(f));
    }
}
