package org.routelab.backbone;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which projections of a model receive adapters, as the two regular expressions {@code
 * adapter.AdapterInjector} reads: {@code modules} is searched in the path of the module holding a projection,
 * {@code layers} must match the projection's own name in full.
 *
 * @param modules regex searched in the parent module's path, e.g. {@code self_attn|mlp}
 * @param layers regex matched against a projection's name, e.g. {@code q_proj|v_proj}
 */
public record AdapterTargets(String modules, String layers) {
    /** Every attention and feed-forward projection of T5 (the papers' setting). */
    public static final AdapterTargets T5 = new AdapterTargets(
            "SelfAttention|EncDecAttention|DenseReluDense", "q|k|v|o|wi|wi_0|wi_1|wo");

    /** Every attention and feed-forward projection of a Llama-family decoder (not the output head). */
    public static final AdapterTargets LLAMA = new AdapterTargets(
            "self_attn|mlp", "q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj");

    /**
     * Validates both expressions.
     *
     * @throws IllegalArgumentException if one is null or does not compile, naming it
     */
    public AdapterTargets {
        check("modules", modules);
        check("layers", layers);
    }

    private static void check(String what, String regex) {
        if (regex == null) {
            throw new IllegalArgumentException("adapter target " + what + " regex must be given");
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("adapter target " + what + " regex /" + regex + "/ is invalid: "
                    + e.getDescription(), e);
        }
    }
}
