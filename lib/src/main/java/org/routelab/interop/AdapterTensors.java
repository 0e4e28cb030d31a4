package org.routelab.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.adapter.Adapter;
import org.routelab.adapter.Lora;
import org.routelab.method.Mhr;
import org.routelab.routing.RoutedAdapter;
import org.routelab.routing.TaskRouter;

/**
 * The tensors of RouteLab's adapters that exchange formats carry, by role. RouteLab stores LoRA as
 * {@code A [d_in, r]}, {@code B [r, d_out]} with scale {@code alpha / r}; Poly and MHR as skills {@code A
 * [q, S, d_in/q, r]}, {@code B [q, S, r, d_out/q]} (q = 1 for Poly) and task logits {@code Z [T, q*S]}
 * in their router, with scale {@code 1/r}: the same layout as PEFT's POLY tuner and mttl's SkilledLoRA.
 */
final class AdapterTensors {
    /** RouteLab's parameter names inside an adapter. */
    static final String LORA_A = "lora_a";
    static final String LORA_B = "lora_b";
    /** The task logits' name inside a task router. */
    static final String LOGITS = "module_logits";
    /** The child an adapted projection keeps its adapter under, and a routed adapter its router under. */
    static final String ADAPTER = "adapter";
    static final String ROUTER = "router";

    private AdapterTensors() {}

    /**
     * Returns a row-major float32 copy of an array (a transposed view is strided, and files store rows).
     *
     * @param view the array
     * @param manager owns the copy
     * @return the copy
     */
    static NDArray rowMajor(NDArray view, NDManager manager) {
        return manager.create(view.toType(DataType.FLOAT32, false).toFloatArray(), view.getShape());
    }

    /** Returns whether an adapter is a skill inventory routed by task (Poly or MHR: Poly is MHR with one head). */
    static boolean isSkilled(Adapter a) {
        return a instanceof Mhr;
    }

    /** Returns a LoRA's {@code A [d_in, r]}. */
    static NDArray loraA(Lora l) {
        return l.parameter(LORA_A).array();
    }

    /** Returns a LoRA's {@code B [r, d_out]}. */
    static NDArray loraB(Lora l) {
        return l.parameter(LORA_B).array();
    }

    /** Returns a LoRA's scale ({@code alpha / r}). */
    static float loraScale(Lora l) {
        return l.scaling();
    }

    /** Returns a skilled adapter's {@code A [q, S, d_in/q, r]}. */
    static NDArray skillsA(RoutedAdapter a) {
        return a.parameter(LORA_A).array();
    }

    /** Returns a skilled adapter's {@code B [q, S, r, d_out/q]}. */
    static NDArray skillsB(RoutedAdapter a) {
        return a.parameter(LORA_B).array();
    }

    /**
     * Returns the task logits {@code [T, q*S]} of a routed adapter's router (shared routers give every
     * adapter of their group the same logits).
     *
     * @throws IllegalArgumentException if the router learns no task allocation (random routing)
     */
    static NDArray taskLogits(RoutedAdapter a) {
        if (!(a.router() instanceof TaskRouter router)) {
            throw new IllegalArgumentException("the adapters' router (" + a.router().getClass().getSimpleName()
                    + ") learns no task allocation; export the -mu average instead");
        }
        return router.parameter(LOGITS).array();
    }
}
