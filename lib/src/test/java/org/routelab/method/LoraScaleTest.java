package org.routelab.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.routelab.adapter.AdaptedLinear;
import org.routelab.adapter.AdapterInjector;
import org.routelab.adapter.Lora;
import org.routelab.analysis.ParameterAccount;
import org.routelab.backbone.t5.T5Model;
import org.routelab.backbone.t5.TinyT5;
import org.routelab.data.skillcomp.SkillCompConfig;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.RandomStream;

/** LoRA's scale: the reference's alpha = 1 (scale 1/r) by default; alpha = r gives scale 1. */
class LoraScaleTest {
    @Test
    void defaultLoraOfRankFourUpdatesAtAQuarterOfXAB() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 1);
            MethodConfig.defaults("lora").with("rank", 4).inject(model, RandomStream.of(1), DataType.FLOAT32);
            AdaptedLinear layer = AdapterInjector.adaptedLayers(model).values().iterator().next();
            Lora lora = (Lora) layer.adapter();
            lora.parameter("lora_b").set(m.randomNormal(0f, 1f, lora.parameter("lora_b").shape(), DataType.FLOAT32));
            try (NDManager scope = m.newSubManager()) {
                NDArray x = scope.randomNormal(0f, 1f, new Shape(2, 3, layer.inFeatures()), DataType.FLOAT32);
                NDArray xab = x.matMul(lora.parameter("lora_a").array()).matMul(lora.parameter("lora_b").array());
                assertArrayEquals(xab.div(4f).toFloatArray(), lora.delta(x, ForwardContext.eval()).toFloatArray(),
                        1e-5f);
            }
        }
    }

    @Test
    void alphaEqualToTheRankGivesScaleOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = TinyT5.model(m, true, 1);
            MethodConfig.defaults("lora").with("rank", 4).with("alpha", 4).inject(model, RandomStream.of(1),
                    DataType.FLOAT32);
            for (AdaptedLinear layer : AdapterInjector.adaptedLayers(model).values()) {
                assertEquals(1f, ((Lora) layer.adapter()).scaling(), 0f);
            }
        }
    }

    @Test
    void theParameterTableShowsTheScale() {
        var builtin = BuiltinBackbone.Architecture.T5.config(SkillCompConfig.DEFAULT);
        var lora = ParameterAccount.of(builtin, MethodConfig.defaults("lora").with("rank", 4));
        var poly = ParameterAccount.of(builtin, MethodConfig.defaults("poly").with("rank", 2));
        assertEquals("alpha/r = 0.25", lora.scale());
        assertEquals("1/r = 0.5", poly.scale());
        var table = ParameterAccount.table(List.of(lora, poly));
        assertEquals("alpha/r = 0.25", table.stringColumn("update scale").get(0));
        assertTrue(lora.options().contains("alpha=1"), lora.options());
    }
}
