package org.routelab.adapter;

import ai.djl.ndarray.NDArray;
import org.routelab.nn.ForwardContext;
import org.routelab.nn.Linear;

/**
 * A projection {@code h = W0 x + delta(x, ctx)}: the frozen weight keeps its checkpoint name
 * ({@code ...q.weight}) and the adapter is the child {@code adapter}. A {@link MergeableAdapter} can be
 * folded into {@code W0} for inference and taken out again. A context {@link
 * ForwardContext#withoutAdapters without adapters} computes {@code W0 x} alone.
 */
public final class AdaptedLinear extends Linear {
    /** The projection as it was before any adapter: what {@link AdapterInjector#remove} puts back. */
    private final Linear original;
    private boolean merged;

    /**
     * Takes over a projection's weight and adds an adapter.
     *
     * @param base the projection being adapted (its weight array is shared, not copied)
     * @param adapter the adapter
     */
    public AdaptedLinear(Linear base, Adapter adapter) {
        super(base);
        this.original = base instanceof AdaptedLinear a ? a.original : base;
        addChild("adapter", adapter);
    }

    /** Returns the projection without any adapter (sharing this one's weight). */
    public Linear original() {
        return original;
    }

    /** Returns the adapter. */
    public Adapter adapter() {
        return child("adapter", Adapter.class);
    }

    /** Returns whether the adapter is currently folded into the frozen weight. */
    public boolean isMerged() {
        return merged;
    }

    @Override
    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray base = super.forward(x, ctx);
        if (!ctx.adaptersEnabled()) {
            if (merged) {
                throw new IllegalStateException("a merged adapter is part of W0 and cannot be switched off;"
                        + " unmerge it first");
            }
            return base;
        }
        if (merged) {
            return base;
        }
        NDArray delta = adapter().delta(x, ctx);
        NDArray out = base.add(delta);
        // Autograd keeps what backward needs; freeing the handles now, not at the end of the step,
        // keeps the step's peak memory to what it needs (as Python's reference counting does).
        base.close();
        delta.close();
        return out;
    }

    /** Folds the adapter into {@code W0}; the forward pass then skips the adapter. */
    public void merge() {
        if (merged) {
            throw new IllegalStateException("adapter is already merged");
        }
        apply(1f);
        merged = true;
    }

    /** Takes a merged adapter back out of {@code W0}. */
    public void unmerge() {
        if (!merged) {
            throw new IllegalStateException("adapter is not merged");
        }
        apply(-1f);
        merged = false;
    }

    private static boolean allFinite(NDArray a) {
        try (NDArray sum = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).sum()) {
            return Float.isFinite(sum.getFloat()) && !a.isNaN().any().getBoolean();
        }
    }

    private void apply(float sign) {
        if (!(adapter() instanceof MergeableAdapter)) {
            throw new UnsupportedOperationException(
                    adapter().getClass().getSimpleName() + " depends on its input and cannot be merged");
        }
        try (NDArray delta = ((MergeableAdapter) adapter()).deltaWeight()) {
            if (sign > 0 && !allFinite(delta)) {
                // Folding NaN or infinity into W0 would corrupt the frozen model for good.
                throw new IllegalStateException("cannot merge the " + adapter().getClass().getSimpleName()
                        + ": its weights hold NaN or infinity");
            }
            NDArray w = weight().array();
            if (sign > 0) {
                w.addi(delta.toType(w.getDataType(), false));
            } else {
                w.subi(delta.toType(w.getDataType(), false));
            }
        }
    }
}
