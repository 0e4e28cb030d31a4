package org.routelab.kernel;

import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Renders a Tablesaw table as an HTML table. Large tables are cut to their first rows and columns,
 * with a note saying how much is shown, so a notebook never fills with (or freezes on) a huge table.
 */
final class TableHtml {

    private volatile int maxRows = 50;
    private volatile int maxColumns = 30;

    /** Sets how many rows and columns are shown at most. */
    void limits(int rows, int columns) {
        if (rows < 1 || columns < 1) {
            throw new IllegalArgumentException("table limits must be positive, got " + rows + " rows and " + columns + " columns");
        }
        this.maxRows = rows;
        this.maxColumns = columns;
    }

    String render(Table table) {
        int rows = Math.min(table.rowCount(), maxRows);
        int cols = Math.min(table.columnCount(), maxColumns);
        StringBuilder h = new StringBuilder("<div class=\"routelab-table\"><table>");
        if (table.name() != null && !table.name().isBlank()) {
            h.append("<caption style=\"text-align:left;font-weight:bold\">").append(escape(table.name())).append("</caption>");
        }
        h.append("<thead><tr>");
        for (int c = 0; c < cols; c++) {
            Column<?> col = table.column(c);
            h.append("<th title=\"").append(escape(col.type().name())).append("\">").append(escape(col.name())).append("</th>");
        }
        h.append("</tr></thead><tbody>");
        for (int r = 0; r < rows; r++) {
            h.append("<tr>");
            for (int c = 0; c < cols; c++) {
                Column<?> col = table.column(c);
                String align = isNumeric(col.type()) ? " style=\"text-align:right\"" : "";
                h.append("<td").append(align).append('>').append(escape(col.getString(r))).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</tbody></table>");
        if (rows < table.rowCount() || cols < table.columnCount()) {
            h.append("<p style=\"font-style:italic\">").append(escape(note(table, rows, cols))).append("</p>");
        }
        return h.append("</div>").toString();
    }

    /** Plain-text rendering with the same limits. */
    String renderText(Table table) {
        Table shown = table.columnCount() > maxColumns
                ? table.selectColumns(table.columnNames().subList(0, maxColumns).toArray(String[]::new))
                : table;
        String text = shown.print(maxRows);
        int rows = Math.min(table.rowCount(), maxRows);
        int cols = Math.min(table.columnCount(), maxColumns);
        return rows < table.rowCount() || cols < table.columnCount() ? text + "\n" + note(table, rows, cols) : text;
    }

    private static String note(Table table, int rows, int cols) {
        return String.format("Showing %,d of %,d rows and %,d of %,d columns.", rows, table.rowCount(), cols,
                table.columnCount());
    }

    private static boolean isNumeric(ColumnType type) {
        return type == ColumnType.DOUBLE || type == ColumnType.FLOAT || type == ColumnType.INTEGER
                || type == ColumnType.LONG || type == ColumnType.SHORT;
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
