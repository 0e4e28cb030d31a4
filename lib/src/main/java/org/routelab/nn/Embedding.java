package org.routelab.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/** A lookup table {@code [rows, dim]} indexed by integer ids. */
public final class Embedding extends Module {
    /**
     * Creates a table that is allocated but not filled (see {@link Linear}): values come from a
     * checkpoint or an initialiser.
     *
     * @param manager the manager that owns the table
     * @param rows the number of rows (vocabulary or buckets)
     * @param dim the row size
     * @param dataType the table's data type
     */
    public Embedding(NDManager manager, int rows, int dim, DataType dataType) {
        addParameter("weight", manager.create(new Shape(rows, dim), dataType));
    }

    /** Returns the table of shape {@code [rows, dim]}. */
    public Parameter weight() {
        return parameter("weight");
    }

    /**
     * Looks rows up; the result lives in the ids' manager.
     *
     * @param ids integer ids of any shape
     * @return {@code [..., dim]}
     */
    public NDArray forward(NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, weight().array(), SparseFormat.DENSE).singletonOrThrow();
    }
}
