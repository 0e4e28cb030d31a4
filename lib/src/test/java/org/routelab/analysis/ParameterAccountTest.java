package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.method.MethodConfig;
import org.routelab.method.Methods;

/**
 * Counts on T5-XL LM-adapt with 313 training tasks, against the papers' tables (MHR Table 6,
 * TensorPoly Tables 3 and 4, rounded as printed there) and against the papers' Table 2 formulas
 * summed over the adapted projections.
 */
class ParameterAccountTest {
    private static final ConfigJson XL = LanguageModel.preset("t5-xl-lm-adapt");
    private static final int T = 313;
    /** Adapted projections: encoder 24 x (q,k,v,o,wi_0,wi_1,wo), decoder 24 x (2 x q,k,v,o + 3). */
    private static final int LAYERS = 24 * 7 + 24 * 11;
    /** Sum of d_in + d_out over the adapted projections (attention 2048 -> 2048, wi 2048 -> 5120, wo 5120 -> 2048). */
    private static final long SUM_D = 24L * (4 * 4096 + 3 * 7168) + 24L * (8 * 4096 + 3 * 7168);
    /** Sum of d_in over the adapted projections (wo reads 5120, every other projection 2048). */
    private static final long SUM_D_IN = 24L * (6 * 2048 + 5120) + 24L * (10 * 2048 + 5120);
    /** Sum of leaf sizes l_in + l_out for N = 2 (46 for 2048, 72 for 5120). */
    private static final long SUM_L2 = 24L * (4 * 92 + 3 * 118) + 24L * (8 * 92 + 3 * 118);

    @Test
    void loraPolyAndMhrMatchTheMhrPaper() {
        ParameterAccount lora = ParameterAccount.of(XL, MethodConfig.defaults("lora").withTasks(T));
        assertEquals(SUM_D, lora.expertParams());
        assertAbout(2.2e6, lora.expertParams());
        ParameterAccount poly = ParameterAccount.of(XL, MethodConfig.defaults("poly").withTasks(T));
        assertEquals(LAYERS, poly.adaptedLayers());
        assertEquals(8 * SUM_D, poly.expertParams());
        assertEquals((long) LAYERS * T * 8, poly.routingParams());
        assertAbout(17.7e6, poly.expertParams());
        assertAbout(3.5e3, poly.adaptRouteOnly());
        assertEquals(8 * SUM_D + LAYERS * 8L, poly.adaptFull());
        assertEquals(lora.expertParams(), poly.adaptAverage());
        // MHR's figures do not depend on T; one task spares 69M routing logits.
        ParameterAccount mhr = ParameterAccount.of(XL, MethodConfig.defaults("mhr"));
        assertEquals(poly.expertParams(), mhr.expertParams());
        assertEquals((long) LAYERS * 64 * 8, mhr.adaptRouteOnly());
        assertAbout(221e3, mhr.adaptRouteOnly());
        assertAbout(2.2e6, mhr.adaptAverage());
    }

    @Test
    void tensorMethodsMatchTheTensorPolyPaper() {
        MethodConfig tp1 = MethodConfig.defaults("tensorpoly-1").withTasks(T);
        ParameterAccount tlora = ParameterAccount.of(XL, MethodConfig.defaults("tlora").withTasks(T));
        assertEquals(2L * 16 * SUM_L2, tlora.expertParams());
        assertAbout(1.4e6, tlora.expertParams());
        // Table 3 counts routing in for R = 8 ...
        ParameterAccount i8 = ParameterAccount.of(XL, tp1);
        assertEquals(8 * tlora.expertParams(), i8.expertParams());
        assertEquals((long) LAYERS * T * 8, i8.routingParams());
        assertAbout(12.2e6, i8.multitaskParamsWithRouting());
        ParameterAccount i4 = ParameterAccount.of(XL, tp1.with("order", 4));
        assertAbout(4.3e6, i4.multitaskParamsWithRouting());
        // ... and leaves it out for R = 20; Table 4's -z figures are R = 20, N = 2.
        ParameterAccount i20 = ParameterAccount.of(XL, tp1.with("tensor_rank", 20));
        assertAbout(27.8e6, i20.expertParams());
        assertAbout(8.6e3, i20.adaptRouteOnly());
        ParameterAccount ii8 = ParameterAccount.of(XL, MethodConfig.defaults("tensorpoly-2").withTasks(T));
        assertEquals((long) LAYERS * T * 8 * 2, ii8.routingParams());
        assertAbout(13.3e6, ii8.multitaskParamsWithRouting());
        assertEquals(tlora.expertParams(), ii8.adaptAverage());
        ParameterAccount ii20 = ParameterAccount.of(XL,
                MethodConfig.defaults("tensorpoly-2").withTasks(T).with("tensor_rank", 20));
        assertAbout(33.2e6, ii20.multitaskParamsWithRouting());
        assertAbout(17.3e3, ii20.adaptRouteOnly());
    }

    /**
     * A decoder-only backbone through the same code path: Qwen2-0.5B's 24 layers of q, k, v, o (896 -> 896,
     * 896 -> 128 with two key/value heads), gate, up (896 -> 4864) and down (4864 -> 896).
     */
    @Test
    void countsOnALlamaFamilyBackbone() {
        ConfigJson qwen = LanguageModel.preset("qwen2-0.5b");
        long sumD = 24L * (2 * 1792 + 2 * 1024 + 3 * 5760);
        ParameterAccount lora = ParameterAccount.of(qwen, MethodConfig.defaults("lora").withTasks(T));
        assertEquals(24 * 7, lora.adaptedLayers());
        assertEquals(sumD, lora.expertParams());
        ParameterAccount poly = ParameterAccount.of(qwen, MethodConfig.defaults("poly").withTasks(T));
        assertEquals(8 * sumD, poly.expertParams());
        assertEquals(24L * 7 * T * 8, poly.routingParams());
        ParameterAccount mhr = ParameterAccount.of(qwen, MethodConfig.defaults("mhr"));
        assertEquals(8 * sumD, mhr.expertParams());
        assertEquals(24L * 7 * 64 * 8, mhr.routingParams());
    }

    /** Routers that read the input count as routing; task-free methods adapt fully or route-only, never -mu. */
    @Test
    void taskFreeMethodsCountTheirRoutersAsRouting() {
        ParameterAccount moe = ParameterAccount.of(XL, MethodConfig.defaults("moe-lora").withTasks(T));
        assertEquals(8 * SUM_D, moe.expertParams());
        assertEquals(8 * SUM_D_IN, moe.routingParams());
        assertEquals(moe.multitaskParamsWithRouting(), moe.adaptFull());
        assertEquals(moe.routingParams(), moe.adaptRouteOnly());
        assertEquals(-1, moe.adaptAverage());
        // T-REX: I = 4 down and J = 8 up vectors and a gate per layer; a 32-way router and omega per layer
        ParameterAccount trex = ParameterAccount.of(XL, MethodConfig.defaults("trex").withTasks(T));
        assertEquals(4 * SUM_D_IN + 8 * (SUM_D - SUM_D_IN) + LAYERS, trex.expertParams());
        assertEquals(32 * SUM_D_IN + LAYERS, trex.routingParams());
        assertEquals(trex.routingParams(), trex.adaptRouteOnly());
        // OrchMoE: T = 313 abstract tasks (W_task and bias) and a T x S allocation per layer
        ParameterAccount orch = ParameterAccount.of(XL, MethodConfig.defaults("orchmoe").withTasks(T));
        assertEquals(8 * SUM_D, orch.expertParams());
        assertEquals(T * SUM_D_IN + (long) LAYERS * T + (long) LAYERS * T * 8, orch.routingParams());
        assertEquals(orch.multitaskParamsWithRouting(), orch.adaptFull());
        assertTrue(orch.options().contains("abstract-tasks=313"), orch.options());
    }

    @Test
    void csvRowsHaveTheHeadersColumns() {
        ParameterAccount lora = new ParameterAccount(Methods.parse("lora"), "r=1", 2, 10, 0, 10, -1, 10);
        String row = lora.csvRow("t5-tiny");
        assertEquals(ParameterAccount.CSV_HEADER.split(",").length, row.split(",", -1).length);
        assertEquals("t5-tiny,lora,r=1,2,10,0,10,10,,10", row);
    }

    /** Within the papers' rounding: the printed figure has two or three significant digits. */
    private static void assertAbout(double paper, long actual) {
        assertTrue(Math.abs(actual - paper) / paper < 0.05, actual + " is not about " + paper);
    }
}
