package org.routelab.notebook;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * How a value of a lower package is shown with parts that a higher package draws, without the lower one
 * knowing them: e.g. experiment results, which know no charts, shown with the charts package's loss
 * curves. Providers are found by {@link ServiceLoader} ({@code META-INF/services/org.routelab.notebook.DisplayParts}).
 */
public interface DisplayParts {

    /**
     * Returns the parts to show a value with, or empty if this provider does not show such values.
     *
     * @param value the value
     * @return the parts, in order
     */
    Optional<List<Object>> parts(Object value);

    /**
     * Returns the parts the first provider that shows a value gives.
     *
     * @param value the value
     * @return the parts, or empty when no provider shows it
     */
    static Optional<List<Object>> of(Object value) {
        for (DisplayParts provider : ServiceLoader.load(DisplayParts.class, DisplayParts.class.getClassLoader())) {
            Optional<List<Object>> parts = provider.parts(value);
            if (parts.isPresent()) {
                return parts;
            }
        }
        return Optional.empty();
    }
}
