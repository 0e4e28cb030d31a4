package org.routelab.notebook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Ready-made notebook output: MIME type to content, e.g. {@code text/html} to an HTML fragment.
 * Text types hold strings; binary types such as {@code image/png} hold base64 strings, as Jupyter
 * expects. Frontends pick the richest type they can show, so include {@code text/plain} as fallback.
 *
 * @param data MIME type to content, in order of preference
 */
public record MimeBundle(Map<String, String> data) {

    /** Copies {@code data} so the bundle cannot change afterwards. */
    public MimeBundle {
        data = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(data, "data")));
    }

    /** An HTML fragment with a plain-text fallback. */
    public static MimeBundle html(String html, String plainText) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/html", html);
        m.put("text/plain", plainText);
        return new MimeBundle(m);
    }

    /** Plain text only. */
    public static MimeBundle text(String plainText) {
        return new MimeBundle(Map.of("text/plain", plainText));
    }
}
