package org.routelab.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.routelab.adapter.AdapterInjector;
import org.routelab.backbone.ConfigJson;
import org.routelab.backbone.LanguageModel;
import org.routelab.data.EncodedExample;
import org.routelab.data.Example;
import org.routelab.data.ExampleEncoder;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;
import org.routelab.method.MethodConfig;
import org.routelab.nn.Linear;
import org.routelab.nn.RandomStream;
import org.routelab.util.ConfigException;

/**
 * What a config asks of its backbone, checked against the backbone's structure (its {@code config.json},
 * built without reading weights) before any weights are read: the adapter targets must name projections,
 * the adapters' tensors must fit in the device's memory, the method's own constraints must hold on the
 * projections' sizes, and every example must fit in the backbone's maximum length. A tensor order, head count or rank that
 * could never fit is refused here with the estimate, instead of growing until the operating system
 * kills the process.
 */
final class Preflight {
    /**
     * Bytes per element of a trained tensor: the float32 value, its gradient and up to two optimiser
     * statistics of the same size.
     */
    static final int BYTES_PER_TRAINED_ELEMENT = 16;

    private Preflight() {}

    /**
     * Checks a method against a backbone.
     *
     * @param method the method, knowing its training tasks
     * @param backbone the backbone folder
     * @param device where the arrays will live, or null for the engine's default
     * @throws ConfigException naming {@code method.modules} when nothing matches (listing the
     *     backbone's projections), or {@code method} with the estimate when the adapters cannot fit
     */
    static void check(MethodConfig method, Path backbone, Device device) {
        ConfigJson config = ConfigJson.read(backbone.resolve("config.json"));
        try (NDManager structureOnly = NDManager.newBaseManager(Device.cpu())) {
            LanguageModel model = LanguageModel.create(config, structureOnly, DataType.FLOAT32);
            MethodConfig m = method.withTargetsFor(model);
            Map<String, Linear> targets = AdapterInjector.targets(model, m.modules(), m.layers());
            if (targets.isEmpty()) {
                throw new ConfigException("method.modules", "no projection of " + backbone + " matches modules /"
                        + m.modules() + "/ and layers /" + m.layers() + "/; its projections are "
                        + projections(AdapterInjector.targets(model, "", ".*")));
            }
            double bytes = 0;
            for (Linear l : targets.values()) {
                bytes += m.largestTensor(l.inFeatures(), l.outFeatures()) * BYTES_PER_TRAINED_ELEMENT;
            }
            long budget = memory(device);
            if (bytes > budget) {
                throw new ConfigException("method", m.method().name() + " (" + m.describe() + ") needs about "
                        + size(bytes) + " for the largest tensors of its adapters on " + targets.size()
                        + " projections (with gradients and optimiser state), more than the " + size(budget)
                        + " of " + (isGpu(device) ? "the GPU" : "this machine") + "; choose smaller sizes");
            }
            try {
                // The method's own constraints (e.g. MHR's heads dividing every projection), on the real sizes.
                m.inject(model, structureOnly, RandomStream.of(0), DataType.FLOAT32);
            } catch (ConfigException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new ConfigException("method", e.getMessage());
            }
        }
    }

    /**
     * Returns the longest sequence a backbone takes: {@code max_position_embeddings} (Llama family) or
     * {@code n_positions} of its {@code config.json}, else the T5 family's 512 (Hugging Face's default).
     *
     * @param backbone the backbone folder
     * @return the maximum in tokens
     */
    static int maxTokens(Path backbone) {
        ConfigJson c = ConfigJson.read(backbone.resolve("config.json"));
        return c.has("max_position_embeddings") ? c.positiveInt("max_position_embeddings") : c.intOr("n_positions", 512);
    }

    /**
     * Checks that every example's input, target and answer choices fit in the backbone's maximum length
     * (a longer one used to fail deep in the first step, or exhaust memory).
     *
     * @param suite the tasks
     * @param training the training examples as encoded, task by task in suite order
     * @param encoder encodes the held-out examples
     * @param maxTokens the backbone's maximum
     * @throws ConfigException naming the task, the example and its length
     */
    static void checkLengths(TaskSuite suite, List<EncodedExample> training, ExampleEncoder encoder, int maxTokens) {
        int i = 0;
        for (Task task : suite.training()) {
            for (Example e : task.examples()) {
                checkLength("training", task, e, training.get(i++), maxTokens);
            }
        }
        for (Task task : suite.heldout()) {
            for (Example e : task.examples()) {
                checkLength("held-out", task, e, encoder.encode(e, 0), maxTokens);
            }
        }
    }

    private static void checkLength(String split, Task task, Example e, EncodedExample encoded, int maxTokens) {
        int longest = Math.max(encoded.inputIds().length, encoded.targetIds().length);
        for (long[] choice : encoded.choiceIds()) {
            longest = Math.max(longest, choice.length);
        }
        if (longest > maxTokens) {
            String input = e.input().length() <= 40 ? e.input() : e.input().substring(0, 37) + "...";
            throw new ConfigException("suite", split + " task '" + task.name() + "', example "
                    + (task.examples().indexOf(e) + 1) + " ('" + input + "'): " + longest + " tokens, more than the"
                    + " backbone's maximum of " + maxTokens + "; shorten or drop it");
        }
    }

    /**
     * The projections as the two regexes see them: the holding module's own name and the projection's,
     * e.g. {@code SelfAttention.q} for {@code encoder.block.0.layer.0.SelfAttention.q}.
     */
    private static String projections(Map<String, Linear> all) {
        TreeSet<String> names = new TreeSet<>();
        all.keySet().forEach(p -> {
            String[] parts = p.split("\\.");
            names.add(parts.length < 2 ? p : parts[parts.length - 2] + "." + parts[parts.length - 1]);
        });
        String list = String.join(", ", names);
        return list.length() <= 600 ? list : list.substring(0, 597) + "...";
    }

    private static boolean isGpu(Device device) {
        return device != null ? device.isGpu() : CudaUtils.getGpuCount() > 0;
    }

    private static long memory(Device device) {
        if (isGpu(device)) {
            return CudaUtils.getGpuMemory(device != null ? device : Device.gpu()).getMax();
        }
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    }

    private static String size(double bytes) {
        return bytes >= 1e15 ? String.format(Locale.ROOT, "%.1e bytes", bytes)
                : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
