package org.routelab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.routelab.experiment.BuiltinBackbone;
import org.routelab.experiment.ExperimentConfig;
import org.routelab.util.ConfigBinding;
import org.routelab.util.ConfigException;

/**
 * A grid of experiments run on Apache Spark: a base {@link ExperimentConfig}, axes over any of its values
 * by dotted path (method, heads, skills, granularity, rank, learning rates, steps, backbone, suite), and
 * optionally a seed axis. Each point of the grid is a {@link Cell}; {@link #run} runs the cells its store
 * lacks and gathers every cell into one table with a column per axis ({@link SweepResult}).
 *
 * <pre>{@code
 * SweepResult r = Sweep.of(ExperimentConfig.DEFAULT.with("method.name", "mhr"))
 *         .axis("method.granularity", "model", "layer", "module")
 *         .axis("method.heads", 1, 4)
 *         .seeds(0, 1024, 42)
 *         .run();
 * r.summary();   // median over seeds per task, mean over tasks, per point of the other axes
 * }</pre>
 *
 * <p>By default it runs in embedded Spark, {@code local[N]} with N the GPUs or else the cores; {@link
 * #master} takes any master URL, and under {@code spark-submit} ({@code master(null)} is then implied by the
 * command line) the same code runs on the cluster. The store is a folder ({@link #store}; by default a new
 * temporary one): every cell writes its record there when it finishes, and a second run of the same sweep
 * on the same folder runs only the cells without a record, or whose record is a failure.
 *
 * <p>Instances are immutable; every option returns a new sweep.
 */
public final class Sweep {
    private final ExperimentConfig base;
    private final Map<String, List<JsonNode>> axes;
    private final List<Integer> seeds;
    private final int retries;
    private final Path store;
    private final String master;
    private final Integer parallelism;
    private final String name;
    /** Named experiments that replace the grid (a column {@value #CONFIG_AXIS}), or null. */
    private final Map<String, ExperimentConfig> listed;

    /** The axis of a sweep over listed experiments: each cell's name. */
    public static final String CONFIG_AXIS = "config";

    private Sweep(ExperimentConfig base, Map<String, List<JsonNode>> axes, List<Integer> seeds, int retries, Path store,
            String master, Integer parallelism, String name) {
        this(base, axes, seeds, retries, store, master, parallelism, name, null);
    }

    private Sweep(ExperimentConfig base, Map<String, List<JsonNode>> axes, List<Integer> seeds, int retries, Path store,
            String master, Integer parallelism, String name, Map<String, ExperimentConfig> listed) {
        this.listed = listed;
        this.base = base;
        this.axes = axes;
        this.seeds = seeds;
        this.retries = retries;
        this.store = store;
        this.master = master;
        this.parallelism = parallelism;
        this.name = name;
    }

    /**
     * Starts a sweep around a base experiment.
     *
     * @param base the values every cell starts from
     * @return a sweep of one cell
     */
    public static Sweep of(ExperimentConfig base) {
        return new Sweep(base, new LinkedHashMap<>(), null, 1, null, null, null, "sweep");
    }

    /**
     * Starts a sweep over listed experiments instead of a grid: one point per experiment, named in the
     * table's {@value #CONFIG_AXIS} column (e.g. the settings a tuning chose, per method).
     *
     * @param experiments the experiments by name, in order
     * @return the sweep
     */
    public static Sweep over(Map<String, ExperimentConfig> experiments) {
        if (experiments.isEmpty()) {
            throw new ConfigException("", "a sweep needs at least one experiment");
        }
        Map<String, List<JsonNode>> axis = new LinkedHashMap<>();
        axis.put(CONFIG_AXIS, experiments.keySet().stream().map(n -> (JsonNode) ConfigBinding.MAPPER.getNodeFactory()
                .textNode(n)).toList());
        return new Sweep(experiments.values().iterator().next(), axis, null, 1, null, null, null, "sweep",
                new LinkedHashMap<>(experiments));
    }

    /** Returns the base experiment. */
    public ExperimentConfig base() {
        return base;
    }

    /**
     * Adds an axis: one value of the experiment, by dotted path, takes each of the values in turn.
     * Method axes ({@code method.name}, {@code method}) apply before the others, so that {@code method.heads}
     * sets the heads of the cell's method.
     *
     * @param path e.g. {@code method.heads}, {@code multitask.lr}, {@code adaptation.steps}, {@code backbone}
     * @param values the values (numbers, strings, booleans, lists, enums)
     * @return the sweep with the axis
     * @throws ConfigException naming the axis and value if a cell's experiment refuses it
     */
    public Sweep axis(String path, Object... values) {
        List<JsonNode> nodes = new ArrayList<>();
        for (Object v : values) {
            nodes.add(ConfigBinding.MAPPER.valueToTree(v));
        }
        return axisValues(path, nodes, ConfigBinding.join("axes", path));
    }

    Sweep axisValues(String path, List<JsonNode> values, String at) {
        if (values.isEmpty()) {
            throw new ConfigException(at, "needs at least one value");
        }
        if (listed != null) {
            throw new ConfigException(at, "a sweep over listed experiments has no axes");
        }
        if (axes.containsKey(path)) {
            throw new ConfigException(at, "is already an axis");
        }
        if (path.equals("seeds")) {
            throw new ConfigException(at, "use the sweep's seeds (one cell per seed) instead of a seeds axis");
        }
        Map<String, List<JsonNode>> more = new LinkedHashMap<>(axes);
        more.put(path, List.copyOf(values));
        Sweep next = new Sweep(base, more, seeds, retries, store, master, parallelism, name, listed);
        next.cells(); // every cell's experiment is checked now, naming the axis value at fault
        return next;
    }

    /**
     * Runs every point of the other axes once per seed (a cell per seed, each with {@code seeds = [s]}),
     * instead of each cell running the base's seeds.
     *
     * @param values the seeds (the papers' 0, 1024, 42)
     * @return the sweep with a seed axis
     */
    public Sweep seeds(Integer... values) {
        if (values.length == 0) {
            throw new ConfigException("seeds", "needs at least one seed");
        }
        return new Sweep(base, axes, List.of(values), retries, store, master, parallelism, name, listed);
    }

    /**
     * Sets how many more times a failing cell runs before its error is recorded (default 1).
     *
     * @param times extra attempts (>= 0)
     * @return the sweep
     */
    public Sweep retries(int times) {
        if (times < 0) {
            throw new ConfigException("retries", "must be >= 0, got " + times);
        }
        return new Sweep(base, axes, seeds, times, store, master, parallelism, name, listed);
    }

    /**
     * Keeps the cells' records in a folder; running the same sweep on it again runs only the missing cells.
     *
     * @param folder the store folder
     * @return the sweep
     */
    public Sweep store(Path folder) {
        return new Sweep(base, axes, seeds, retries, folder, master, parallelism, name, listed);
    }

    /**
     * Runs on a Spark master: {@code local[N]}, {@code spark://host:7077}, {@code yarn}, {@code k8s://...}, or
     * null for the context {@code spark-submit} configured.
     *
     * @param url the master URL
     * @return the sweep
     */
    public Sweep master(String url) {
        return new Sweep(base, axes, seeds, retries, store, url, parallelism, name, listed);
    }

    /**
     * Runs up to {@code n} cells at once in embedded Spark ({@code local[n]}); ignored with a {@link #master}.
     *
     * @param n cells at once (positive)
     * @return the sweep
     */
    public Sweep parallelism(int n) {
        if (n < 1) {
            throw new ConfigException("parallelism", "must be >= 1, got " + n);
        }
        return new Sweep(base, axes, seeds, retries, store, master, n, name, listed);
    }

    /**
     * Names the sweep in its progress display.
     *
     * @param label the name
     * @return the sweep
     */
    public Sweep name(String label) {
        return new Sweep(base, axes, seeds, retries, store, master, parallelism, label, listed);
    }

    /** Returns this sweep with another's seeds, retries, store, master and parallelism. */
    Sweep copyOptions(Sweep other) {
        return new Sweep(base, axes, other.seeds, other.retries, other.store, other.master, other.parallelism, name,
                listed);
    }

    /** Returns the axes with their values, in order. */
    public Map<String, List<JsonNode>> axes() {
        return java.util.Collections.unmodifiableMap(axes);
    }

    /** Returns the seed axis, or null when every cell runs the base's seeds. */
    public List<Integer> seeds() {
        return seeds;
    }

    /** Returns the master URL the sweep runs on (embedded {@code local[N]} unless one was given). */
    public String masterUrl() {
        if (master != null) {
            return master;
        }
        if (System.getProperty("spark.master") != null) {
            return null; // spark-submit's
        }
        return "local[" + (parallelism != null ? parallelism : SparkCells.defaultParallelism()) + "]";
    }

    /**
     * Returns the grid: the first axis outermost, the seeds innermost.
     *
     * @throws ConfigException naming the axis and value an experiment refuses
     */
    public List<Cell> cells() {
        if (listed != null) {
            List<Cell> out = new ArrayList<>();
            listed.forEach((label, config) -> {
                for (Integer seed : seeds == null ? Arrays.asList((Integer) null) : seeds) {
                    ExperimentConfig c = seed == null ? config : config.with("seeds", List.of(seed));
                    out.add(new Cell(out.size(), Map.of(CONFIG_AXIS, ConfigBinding.MAPPER.getNodeFactory().textNode(label)),
                            seed, c, CellKey.of(c)));
                }
            });
            return out;
        }
        List<String> paths = new ArrayList<>(axes.keySet());
        // Changing the method resets its options, so method axes go first.
        List<String> order = new ArrayList<>(paths);
        order.sort((a, b) -> Boolean.compare(!isMethodAxis(a), !isMethodAxis(b)));
        List<Cell> out = new ArrayList<>();
        int[] at = new int[paths.size()];
        while (true) {
            Map<String, JsonNode> point = new LinkedHashMap<>();
            for (int i = 0; i < paths.size(); i++) {
                point.put(paths.get(i), axes.get(paths.get(i)).get(at[i]));
            }
            ExperimentConfig config = base;
            for (String path : order) {
                int i = paths.indexOf(path);
                try {
                    config = config.with(path, point.get(path));
                } catch (ConfigException e) {
                    throw new ConfigException(ConfigBinding.join("axes", path) + "[" + at[i] + "]",
                            e.getMessage() + (paths.size() > 1 ? " (in the cell " + point + ")" : ""));
                }
            }
            for (Integer seed : seeds == null ? Arrays.asList((Integer) null) : seeds) {
                ExperimentConfig c = seed == null ? config : config.with("seeds", List.of(seed));
                out.add(new Cell(out.size(), point, seed, c, CellKey.of(c)));
            }
            int i = paths.size() - 1;
            while (i >= 0 && ++at[i] == axes.get(paths.get(i)).size()) {
                at[i--] = 0;
            }
            if (i < 0) {
                return out;
            }
        }
    }

    private static boolean isMethodAxis(String path) {
        return path.equals("method") || path.equals("method.name");
    }

    /**
     * Runs the cells the store lacks on Spark, then gathers every cell's record into the table (also
     * written to the store as {@code results.csv}). A cell that fails every attempt is a row with its error.
     *
     * @return the records and table
     * @throws org.routelab.notebook.RunInterruptedException if interrupted (finished cells stay stored)
     */
    public SweepResult run() {
        List<Cell> cells = cells();
        SweepStore s = new SweepStore(store != null ? store : temporaryStore());
        List<CellTask> missing = new ArrayList<>();
        for (Cell c : cells) {
            if (!s.read(c.key()).map(CellRecord::ok).orElse(false) && missing.stream().noneMatch(t -> t.key().equals(c.key()))) {
                missing.add(CellTask.of(c, retries, s));
            }
        }
        if (!missing.isEmpty()) {
            if (cells.stream().anyMatch(c -> c.config().backbone().equals(ExperimentConfig.BUILTIN))) {
                BuiltinBackbone.folder(); // pretrained once here, not by every cell at once
            }
            String label = name + ": " + missing.size() + " of " + cells.size() + " cells";
            SparkCells.run(missing, masterUrl(), label, s);
        }
        SweepResult result = SweepResult.gather(this, cells, s);
        s.writeTable(result.table(), "results.csv");
        return result;
    }

    private static Path temporaryStore() {
        try {
            return Files.createTempDirectory("routelab-sweep-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary sweep folder", e);
        }
    }
}
