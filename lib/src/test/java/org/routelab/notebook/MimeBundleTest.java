package org.routelab.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MimeBundleTest {

    @Test
    void htmlBundleKeepsHtmlFirstAndTextFallback() {
        MimeBundle b = MimeBundle.html("<b>x</b>", "x");
        assertEquals(List.of("text/html", "text/plain"), List.copyOf(b.data().keySet()));
        assertEquals("x", b.data().get("text/plain"));
    }

    @Test
    void bundleIsACopy() {
        Map<String, String> m = new HashMap<>(Map.of("text/plain", "a"));
        MimeBundle b = new MimeBundle(m);
        m.put("text/plain", "b");
        assertEquals("a", b.data().get("text/plain"));
        assertThrows(UnsupportedOperationException.class, () -> b.data().put("text/html", "c"));
    }
}
