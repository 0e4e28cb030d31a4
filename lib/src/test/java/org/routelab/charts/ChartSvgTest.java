package org.routelab.charts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.routelab.analysis.Clustering;
import org.routelab.analysis.Similarity;
import org.routelab.charts.XyChart.Scale;
import org.routelab.charts.XyChart.Series;
import org.routelab.charts.XyChart.Style;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The static pictures: well-formed SVG whose marks sit where the data puts them. */
class ChartSvgTest {

    private static Document parse(String svg) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        return doc;
    }

    private static List<Element> elements(Document doc, String tag) {
        NodeList nodes = doc.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    private static List<String> texts(Document doc) {
        return elements(doc, "text").stream().map(Element::getTextContent).toList();
    }

    private static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }

    @Test
    void aLineRunsFromTheLowerLeftToTheUpperRightCornerOfItsPlotArea() throws Exception {
        XyChart chart = new XyChart("diagonal", Scale.linear("step"), Scale.linear("loss"),
                List.of(new Series("a", new double[] {0, 5, 10}, new double[] {0, 5, 10}, Style.LINES, List.of(), null)),
                true);
        Document doc = parse(chart.svg());
        Element path = elements(doc, "path").get(0);
        Matcher m = Pattern.compile("M([0-9.]+),([0-9.]+)L([0-9.]+),([0-9.]+)L([0-9.]+),([0-9.]+)").matcher(path.getAttribute("d"));
        assertTrue(m.matches(), path.getAttribute("d"));
        double[] p = new double[6];
        for (int i = 0; i < 6; i++) {
            p[i] = Double.parseDouble(m.group(i + 1));
        }
        // lines only: the axes span the data exactly, so the ends are the plot area's corners
        assertArrayEquals(new double[] {75, Chart.HEIGHT - 55}, new double[] {p[0], p[1]}, 1e-9);
        assertArrayEquals(new double[] {Chart.WIDTH - 35, 55}, new double[] {p[4], p[5]}, 1e-9);
        assertEquals((p[0] + p[4]) / 2, p[2], 0.01);
        assertEquals((p[1] + p[5]) / 2, p[3], 0.01);
        assertEquals(Svg.color(0), path.getAttribute("stroke"));
        List<String> texts = texts(doc);
        assertTrue(texts.containsAll(List.of("diagonal", "step", "loss", "0", "2", "10")), texts.toString());
        assertTrue(!texts.contains("a"), "one series: no legend, as in plotly.js");
    }

    @Test
    void legendNamesEachSeriesInItsColour() throws Exception {
        Chart chart = Charts.multitaskLosses(List.of(ChartsTest.result("poly", 0.5, 10, List.of(3f, 1f)),
                ChartsTest.result("mhr", 0.5, 10, List.of(2f, 1f))), 1);
        Document doc = parse(chart.svg());
        assertTrue(texts(doc).containsAll(List.of("poly", "mhr")), texts(doc).toString());
        assertEquals(2, elements(doc, "path").size());
        assertEquals(Svg.color(1), elements(doc, "path").get(1).getAttribute("stroke"));
    }

    @Test
    void logAxisTicksAreDecadesAndPointsCarryTheirLabels() throws Exception {
        Chart chart = Charts.scatter("acc", "params", "accuracy", List.of("lora", "<mhr & co>"),
                new double[] {100, 100_000}, new double[] {50, 75}, true);
        String svg = chart.svg();
        Document doc = parse(svg);
        List<String> texts = texts(doc);
        assertTrue(texts.containsAll(List.of("100", "1k", "10k", "100k", "lora", "<mhr & co>")), texts.toString());
        List<Element> points = elements(doc, "circle");
        assertEquals(2, points.size());
        // 100 and 100k are three decades apart; the 5% padding keeps both inside the plot area
        double left = attr(points.get(0), "cx");
        double right = attr(points.get(1), "cx");
        double plotWidth = Chart.WIDTH - 35 - 75;
        assertEquals(plotWidth / 1.1, right - left, 0.01);
        assertTrue(attr(points.get(0), "cy") > attr(points.get(1), "cy"), "higher accuracy is drawn higher");
    }

    @Test
    void ticksAreRoundSteps() {
        Ticks t = Ticks.linear(0, 1, 5);
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0}, t.values(), 1e-12);
        assertEquals(List.of("0", "0.2", "0.4", "0.6", "0.8", "1"), t.labels());
        assertEquals(List.of("1", "1.5", "2", "2.5"), Ticks.linear(1, 2.5, 3).labels());
        assertEquals(List.of("-50", "0", "50", "100"), Ticks.linear(-60, 120, 4).labels());
        assertEquals(List.of("1k", "10k", "100k", "1M"), Ticks.log(300, 2e6).labels());
        assertEquals(List.of("0.01", "0.1", "1"), Ticks.log(0.005, 3).labels());
    }

    @Test
    void heatmapCellsTakePlotlysDefaultColoursAndBlankCellsStayBlank() throws Exception {
        Chart chart = Charts.heatmap("routing", List.of("expert 0", "expert 1"), List.of("layer a", "layer b"),
                new double[][] {{0, 1}, {0.5, Double.NaN}});
        Document doc = parse(chart.svg());
        List<String> fills = elements(doc, "rect").stream().map(e -> e.getAttribute("fill"))
                .filter(f -> f.startsWith("#") && !f.equals("#fff")).toList();
        // RdBu: the lowest value deep blue, the middle grey, the highest deep red; NaN draws nothing
        assertEquals(List.of("#050aac", "#b20a1c", "#bebebe"), fills);
        assertTrue(texts(doc).containsAll(List.of("routing", "layer a", "layer b", "expert 0", "expert 1")));
        Element first = elements(doc, "rect").stream().filter(e -> e.getAttribute("fill").equals("#050aac")).findFirst()
                .orElseThrow();
        Element third = elements(doc, "rect").stream().filter(e -> e.getAttribute("fill").equals("#bebebe")).findFirst()
                .orElseThrow();
        assertTrue(attr(first, "y") < attr(third, "y"), "first row at the top");
        assertEquals(attr(first, "x"), attr(third, "x"), 1e-9);
    }

    @Test
    void similarityAndDendrogramPicturesLabelEveryTask() throws Exception {
        Similarity s = Similarity.cosine(List.of("a", "b", "c"), new double[][] {{1, 0}, {1, 0.1}, {0, 1}});
        assertTrue(texts(parse(Charts.similarity("sim", s).svg())).containsAll(List.of("a", "b", "c")));
        Document tree = parse(Charts.dendrogram("tree", Clustering.averageLinkage(s)).svg());
        assertTrue(texts(tree).containsAll(List.of("a", "b", "c")));
        assertEquals(2, elements(tree, "path").size(), "one shape per merge");
        assertEquals(3, elements(tree, "circle").size(), "one point per leaf");
    }

    @Test
    void pathsAreSeenAlongTheCameraDiagonal() throws Exception {
        // The default camera looks along (1, 1, 1): the lowest and the highest corner of the data
        // both project onto the centre of the picture.
        Map<String, double[][]> paths = new LinkedHashMap<>();
        paths.put("diagonal", new double[][] {{0, 0, 0}, {2, 4, 8}});
        paths.put("side", new double[][] {{2, 0, 0}, {0, 4, 8}});
        Document doc = parse(Charts.paths3d("trajectories", paths).svg());
        List<Element> points = elements(doc, "circle");
        assertEquals(4, points.size());
        assertEquals(attr(points.get(0), "cx"), attr(points.get(1), "cx"), 1e-6);
        assertEquals(attr(points.get(0), "cy"), attr(points.get(1), "cy"), 1e-6);
        assertTrue(Math.abs(attr(points.get(2), "cx") - attr(points.get(0), "cx")) > 50, "another corner is elsewhere");
        assertTrue(texts(doc).containsAll(List.of("PC 1", "PC 2", "PC 3", "diagonal", "side")));
        assertEquals(12, elements(doc, "line").stream().filter(e -> e.getAttribute("stroke").equals("#ccc")).count());
    }
}
