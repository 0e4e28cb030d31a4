package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import org.routelab.charts.Chart;
import org.routelab.charts.Charts;
import org.routelab.notebook.MimeBundle;
import org.routelab.notebook.NotebookRenderable;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.LinePlot;
import tech.tablesaw.plotly.components.Figure;

class MimeRendererTest {

    private final MimeRenderer renderer = new MimeRenderer();

    private static String html(DisplayData d) {
        return String.valueOf(d.getData(MIMEType.TEXT_HTML));
    }

    @Test
    void tablesBecomeHtmlTablesAndLargeOnesAreTruncatedWithANote() {
        Table small = Table.create("scores", IntColumn.create("step", 1, 2), DoubleColumn.create("loss", 0.5, 0.25));
        DisplayData d = renderer.render(small);
        assertTrue(html(d).contains("<th title=\"INTEGER\">step</th>"), html(d));
        assertTrue(html(d).contains("<td style=\"text-align:right\">0.25</td>"), html(d));
        assertFalse(html(d).contains("Showing"), html(d));

        int[] many = new int[1000];
        Table big = Table.create("big", IntColumn.create("i", many));
        String bigHtml = html(renderer.render(big));
        assertEquals(50, bigHtml.split("<tr>", -1).length - 2); // 50 body rows + the header row
        assertTrue(bigHtml.contains("Showing 50 of 1,000 rows and 1 of 1 columns."), bigHtml);
        renderer.tables().limits(10, 5);
        assertTrue(html(renderer.render(big)).contains("Showing 10 of 1,000 rows"));
    }

    @Test
    void escapesCellText() {
        Table t = Table.create("t", tech.tablesaw.api.StringColumn.create("s", "<script>x</script>"));
        assertTrue(html(renderer.render(t)).contains("&lt;script&gt;x&lt;/script&gt;"));
    }

    @Test
    void figuresEmbedPlotlyOnceAndNeverPointAtACdn() {
        Table t = Table.create("t", IntColumn.create("x", 1, 2, 3), DoubleColumn.create("y", 1, 4, 9));
        Figure figure = LinePlot.create("squares", t, "x", "y");
        String first = html(renderer.render(figure));
        String second = html(renderer.render(figure));
        assertTrue(first.contains("DecompressionStream('gzip')"), "first chart carries plotly.js");
        assertFalse(second.contains("DecompressionStream"), "later charts reuse it");
        for (String h : List.of(first, second)) {
            assertTrue(h.contains("Plotly.newPlot("), h.substring(0, Math.min(400, h.length())));
            assertTrue(h.contains(PlotlyHtml.SCRIPT_NOTE), "a figure without a picture says how to see it");
            assertFalse(h.contains("<script src"), "no external script");
            assertFalse(h.contains("cdn."), "no CDN");
            assertFalse(h.contains("require("), "no RequireJS");
        }
        renderer.plotly().embedAgain();
        assertTrue(html(renderer.render(figure)).contains("DecompressionStream"));
    }

    @Test
    void chartsCarryTheirStaticPictureInTheHtmlAndAsSvg() {
        Chart chart = Charts.scatter("accuracy <by> method", "parameters", "accuracy", List.of("lora", "poly"),
                new double[] {10, 100}, new double[] {0.5, 0.75}, true);
        DisplayData d = renderer.render(chart);
        String svg = String.valueOf(d.getData(MIMEType.IMAGE_SVG));
        assertEquals(chart.svg(), svg);
        String h = html(d);
        String encoded = Base64.getEncoder().encodeToString(svg.getBytes(StandardCharsets.UTF_8));
        assertTrue(h.contains("<img src=\"data:image/svg+xml;base64," + encoded + "\" alt=\"accuracy &lt;by&gt; method\">"),
                h.substring(0, 300));
        assertTrue(h.contains(PlotlyHtml.TRUST_NOTE), "the sentence under the picture");
        assertTrue(h.indexOf("<img") < h.indexOf("<script"), "the picture comes before any script");
        assertTrue(h.contains("Plotly.newPlot("));
        assertEquals("Chart: accuracy <by> method", d.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void imagesBecomePng() throws Exception {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        DisplayData d = renderer.render(image);
        byte[] png = Base64.getDecoder().decode(String.valueOf(d.getData(MIMEType.IMAGE_PNG)));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(3, back.getWidth());
        assertEquals("image 3x2", d.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void objectsChooseTheirOwnRendering() {
        NotebookRenderable results = () -> List.of(MimeBundle.html("<h3>Results</h3>", "Results"),
                Table.create("r", IntColumn.create("n", new int[] {7})));
        DisplayData d = renderer.render(results);
        assertTrue(html(d).startsWith("<h3>Results</h3>"), html(d));
        assertTrue(html(d).contains("<td style=\"text-align:right\">7</td>"), html(d));
        assertTrue(String.valueOf(d.getData(MIMEType.TEXT_PLAIN)).startsWith("Results\n"));

        DisplayData custom = renderer.render(new MimeBundle(Map.of("text/markdown", "**bold**")));
        assertEquals("**bold**", custom.getData(MIMEType.parse("text/markdown")));
        assertEquals("[text/markdown]", custom.getData(MIMEType.TEXT_PLAIN));
        assertEquals("42", renderer.render(42).getData(MIMEType.TEXT_PLAIN));
    }
}
