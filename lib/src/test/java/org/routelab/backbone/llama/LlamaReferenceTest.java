package org.routelab.backbone.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.routelab.backbone.CausalBatch;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Parameter;

/**
 * The model against a plain-Java transcription of Hugging Face's {@code modeling_llama} /
 * {@code modeling_mistral} / {@code modeling_qwen2} forward pass (double precision, loops, no shared
 * code): RMS norm, q/k/v projections with their biases, rotary positions on pairs {@code (i, i + D/2)},
 * {@code repeat_kv} (query head {@code h} reads key/value head {@code h / groups}), scores scaled by
 * {@code 1/sqrt(D)}, causal and sliding-window masks, SwiGLU and the (tied) head. Comparing with
 * Hugging Face itself needs Python and downloads, which the test environment does not have.
 */
class LlamaReferenceTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void logitsMatchAPlainTranscriptionOfTheReferenceForward(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = TinyLlama.model(m, type, 31);
            // Nonzero biases, so that a misplaced bias shows.
            model.namedParameters().forEach((n, p) -> {
                if (n.endsWith(".bias")) {
                    p.set(m.randomNormal(0f, 0.5f, p.shape(), ai.djl.ndarray.types.DataType.FLOAT32));
                }
            });
            long[] ids = {1, 5, 6, 7, 8, 9, 10, 11};
            CausalBatch batch = model.batch(m, List.of(new long[] {1, 5, 6, 7, 8, 9, 10}), List.of(new long[] {11, 2}));
            float[] logits = TinyLlama.values(model.logits(batch, ForwardContext.eval()));
            double[][] expected = new Reference(model).logits(ids);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < TinyLlama.VOCAB; v++) {
                    assertEquals(expected[t][v], logits[t * TinyLlama.VOCAB + v], 1e-4, "position " + t + " token " + v);
                }
            }
        }
    }

    /** Hugging Face's forward pass for one unpadded sequence, written out. */
    private static final class Reference {
        private final LlamaConfig c;
        private final Map<String, Parameter> p;

        Reference(LlamaModel model) {
            this.c = model.config();
            this.p = model.namedParameters();
        }

        double[][] logits(long[] ids) {
            int n = ids.length;
            double[][] h = new double[n][];
            double[][] embed = matrix("model.embed_tokens.weight");
            for (int t = 0; t < n; t++) {
                h[t] = embed[(int) ids[t]].clone();
            }
            for (int layer = 0; layer < c.numLayers(); layer++) {
                String pre = "model.layers." + layer + ".";
                double[][] x = norm(h, pre + "input_layernorm.weight");
                double[][] attn = linear(attention(x, pre + "self_attn.", c.slidingWindow(layer)),
                        pre + "self_attn.o_proj");
                h = add(h, attn);
                double[][] y = norm(h, pre + "post_attention_layernorm.weight");
                double[][] gate = linear(y, pre + "mlp.gate_proj");
                double[][] up = linear(y, pre + "mlp.up_proj");
                for (int t = 0; t < n; t++) {
                    for (int i = 0; i < gate[t].length; i++) {
                        gate[t][i] = gate[t][i] / (1 + Math.exp(-gate[t][i])) * up[t][i];
                    }
                }
                h = add(h, linear(gate, pre + "mlp.down_proj"));
            }
            double[][] out = norm(h, "model.norm.weight");
            return linear(out, p.containsKey("lm_head.weight") ? "lm_head" : "model.embed_tokens");
        }

        private double[][] attention(double[][] x, String pre, int window) {
            int n = x.length;
            int d = c.headDim();
            int heads = c.numHeads();
            int groups = heads / c.numKeyValueHeads();
            double[][] q = rope(linear(x, pre + "q_proj"), heads);
            double[][] k = rope(linear(x, pre + "k_proj"), c.numKeyValueHeads());
            double[][] v = linear(x, pre + "v_proj");
            double[][] out = new double[n][heads * d];
            for (int hq = 0; hq < heads; hq++) {
                int kv = hq / groups;
                for (int t = 0; t < n; t++) {
                    double[] scores = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < n; s++) {
                        boolean visible = s <= t && (window == 0 || s > t - window);
                        scores[s] = Double.NEGATIVE_INFINITY;
                        if (visible) {
                            double dot = 0;
                            for (int i = 0; i < d; i++) {
                                dot += q[t][hq * d + i] * k[s][kv * d + i];
                            }
                            scores[s] = dot / Math.sqrt(d);
                            max = Math.max(max, scores[s]);
                        }
                    }
                    double z = 0;
                    for (int s = 0; s < n; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        z += scores[s];
                    }
                    for (int s = 0; s < n; s++) {
                        for (int i = 0; i < d; i++) {
                            out[t][hq * d + i] += scores[s] / z * v[s][kv * d + i];
                        }
                    }
                }
            }
            return out;
        }

        /** Rotates pairs (i, i + D/2) of every head by position * theta^(-2i/D). */
        private double[][] rope(double[][] x, int heads) {
            int d = c.headDim();
            double[][] out = new double[x.length][];
            for (int t = 0; t < x.length; t++) {
                out[t] = x[t].clone();
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < d / 2; i++) {
                        double angle = t * Math.pow(c.ropeTheta(), -2.0 * i / d);
                        double a = x[t][h * d + i];
                        double b = x[t][h * d + i + d / 2];
                        out[t][h * d + i] = a * Math.cos(angle) - b * Math.sin(angle);
                        out[t][h * d + i + d / 2] = b * Math.cos(angle) + a * Math.sin(angle);
                    }
                }
            }
            return out;
        }

        private double[][] norm(double[][] x, String weight) {
            double[] w = matrix1(weight);
            double[][] out = new double[x.length][];
            for (int t = 0; t < x.length; t++) {
                double ms = 0;
                for (double v : x[t]) {
                    ms += v * v / x[t].length;
                }
                out[t] = new double[x[t].length];
                for (int i = 0; i < x[t].length; i++) {
                    out[t][i] = w[i] * x[t][i] / Math.sqrt(ms + c.rmsNormEps());
                }
            }
            return out;
        }

        private double[][] linear(double[][] x, String name) {
            double[][] w = matrix(name + ".weight");
            double[] b = p.containsKey(name + ".bias") ? matrix1(name + ".bias") : new double[w.length];
            double[][] out = new double[x.length][w.length];
            for (int t = 0; t < x.length; t++) {
                for (int o = 0; o < w.length; o++) {
                    double s = b[o];
                    for (int i = 0; i < x[t].length; i++) {
                        s += w[o][i] * x[t][i];
                    }
                    out[t][o] = s;
                }
            }
            return out;
        }

        private static double[][] add(double[][] a, double[][] b) {
            double[][] out = new double[a.length][];
            for (int t = 0; t < a.length; t++) {
                out[t] = new double[a[t].length];
                for (int i = 0; i < a[t].length; i++) {
                    out[t][i] = a[t][i] + b[t][i];
                }
            }
            return out;
        }

        private double[][] matrix(String name) {
            Parameter param = p.get(name);
            float[] v = TinyLlama.values(param.array());
            int rows = (int) param.shape().get(0);
            int cols = (int) param.shape().get(1);
            double[][] out = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int col = 0; col < cols; col++) {
                    out[r][col] = v[r * cols + col];
                }
            }
            return out;
        }

        private double[] matrix1(String name) {
            float[] v = TinyLlama.values(p.get(name).array());
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i];
            }
            return out;
        }
    }
}
