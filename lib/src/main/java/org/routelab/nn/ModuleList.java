package org.routelab.nn;

import java.util.List;

/**
 * An indexed list of modules, named {@code 0, 1, ...} like PyTorch's {@code nn.ModuleList} so that
 * paths such as {@code block.3.layer.1} match checkpoints.
 *
 * @param <M> the element type
 */
public final class ModuleList<M extends Module> extends Module {
    private final Class<M> type;

    /**
     * Builds the list.
     *
     * @param type the element type
     * @param elements the elements, in order
     */
    public ModuleList(Class<M> type, List<? extends M> elements) {
        this.type = type;
        for (int i = 0; i < elements.size(); i++) {
            addChild(Integer.toString(i), elements.get(i));
        }
    }

    /**
     * Returns element {@code i}.
     *
     * @param i the index
     * @return the element
     */
    public M get(int i) {
        return child(Integer.toString(i), type);
    }

    /** Returns the number of elements. */
    public int size() {
        return children().size();
    }
}
