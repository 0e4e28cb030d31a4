package org.routelab.data.skillcomp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.routelab.backbone.WordLevelTokenizerFile;
import org.routelab.data.Example;
import org.routelab.data.JsonlTasks;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;

/**
 * SkillComp, the built-in benchmark: a deterministic synthetic multi-task suite whose tasks are
 * compositions of latent {@link Skill skills} over a small symbol alphabet.
 *
 * <p><b>Tasks.</b> A task applies {@code compositionLength} distinct skills in order and is named
 * after them, e.g. {@code reverse+shift} (reverse first, then shift). Compositions that compute the
 * same function as an earlier composition, as a shorter one, or as the identity (for example
 * {@code shift+reverse} equals {@code reverse+shift}; {@code append_first+drop_first} equals
 * {@code rotate}) are removed first, judged on a fixed probe set of inputs, so two tasks never
 * compute the same function. In an order drawn from the seed, training tasks are first picked to
 * cover every (skill, position) pair that occurs (with the default skills: every skill in both
 * positions), then the next compositions become the held-out tasks, then the remaining training
 * tasks; held-out tasks are thus unseen combinations of skills seen in the same positions. The
 * compositions left over after that are the {@link #validation() validation tasks}: unseen in training
 * like the held-out (test) tasks and disjoint from them, for choosing settings without looking at the
 * test tasks (adding them changed neither the training nor the held-out tasks of any seed).
 *
 * <p><b>Inputs carry no task description.</b> An input is only a sequence of distinct symbols
 * ({@code "c a f b"}), so the same input has different targets under different tasks, and the task
 * identity reaches a model only through routing by task id (or through fine-tuning on the task's
 * own examples). This is what makes a task-id router necessary and skill reuse measurable: a
 * routed adapter that learns one module per skill solves a held-out task by learning only a new
 * routing over modules it already has, while a fresh adapter must learn both skills from the few
 * shots.
 *
 * <p><b>Answer choices.</b> Every example has {@code answerChoices} distinct choices: the target and
 * distractors made by applying related functions to the same input (compositions that share a skill
 * with the task, and its skills alone), so ranking them requires getting the whole composition right.
 * Choices are shuffled and {@link Example#label()} records the right one.
 *
 * <p><b>Backbone pretraining.</b> {@link #pretraining} gives the generic symbol-level objectives the
 * built-in backbone is pretrained on (copying and T5-style span corruption over random symbol
 * sequences): they teach the symbol space and how to emit sequences, but none of the skills.
 *
 * <p><b>Determinism.</b> Everything follows from the config and the seed through
 * {@link java.util.Random} streams whose seeds are derived per purpose and per task, so a task's
 * examples do not depend on which other tasks were picked.
 */
public final class SkillComp {
    /** Span-corruption sentinels in the vocabulary: up to two spans, plus the closing sentinel. */
    public static final int SENTINELS = 3;
    /** The tokenizer file {@link #writeTo} writes next to the task files. */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** The name of the copying pretraining task. */
    public static final String COPY_TASK = "copy";
    /** The name of the span-corruption pretraining task. */
    public static final String SPAN_CORRUPTION_TASK = "span_corruption";

    private static final long PROBE_SEED = 0x5EED_C0DEL;
    private static final int PROBES_PER_LENGTH = 64;
    private static final long SELECTION_SALT = 1;
    private static final long EXAMPLE_SALT = 1_000;

    private final SkillCompConfig config;
    private final long seed;
    private final Map<String, List<Skill>> compositions;
    private final TaskSuite suite;
    private final List<Task> validation;

    private SkillComp(SkillCompConfig config, long seed, Map<String, List<Skill>> compositions, TaskSuite suite,
            List<Task> validation) {
        this.config = config;
        this.seed = seed;
        this.compositions = compositions;
        this.suite = suite;
        this.validation = List.copyOf(validation);
    }

    /**
     * Generates the default benchmark ({@link SkillCompConfig#DEFAULT}).
     *
     * @param seed the seed
     * @return the benchmark
     */
    public static SkillComp generate(long seed) {
        return generate(SkillCompConfig.DEFAULT, seed);
    }

    /**
     * Generates a benchmark.
     *
     * @param config the sizes
     * @param seed the seed
     * @return the benchmark
     * @throws IllegalArgumentException if the config asks for more tasks than there are distinct
     *     compositions, too few training tasks to cover every skill in every position, or more
     *     examples than there are distinct inputs
     */
    public static SkillComp generate(SkillCompConfig config, long seed) {
        requireInputs(config);
        List<List<Skill>> pool = distinctCompositions(config);
        int wanted = config.trainingTasks() + config.heldoutTasks();
        if (pool.size() < wanted) {
            throw new IllegalArgumentException("SkillComp: " + config.skills() + " skills in compositions of "
                    + config.compositionLength() + " give " + pool.size() + " distinct tasks, fewer than the "
                    + wanted + " asked for");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(mix(seed, SELECTION_SALT)));
        List<Integer> training = covering(config, pool, order);
        List<Integer> heldout = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        for (int i : order) {
            if (!training.contains(i)) {
                if (heldout.size() < config.heldoutTasks()) {
                    heldout.add(i);
                } else if (training.size() < config.trainingTasks()) {
                    training.add(i);
                } else {
                    validation.add(i);
                }
            }
        }
        // Canonical order reads better (tasks sharing a first skill sit together) and keeps ids stable.
        Collections.sort(heldout);
        Collections.sort(training);
        Collections.sort(validation);

        Map<String, List<Skill>> compositions = new LinkedHashMap<>();
        List<Task> trainingTasks = new ArrayList<>();
        for (int i : training) {
            trainingTasks.add(makeTask(config, seed, pool, i, config.trainingExamples()));
            compositions.put(name(pool.get(i)), pool.get(i));
        }
        List<Task> heldoutTasks = new ArrayList<>();
        for (int i : heldout) {
            heldoutTasks.add(makeTask(config, seed, pool, i, config.heldoutExamples()));
            compositions.put(name(pool.get(i)), pool.get(i));
        }
        List<Task> validationTasks = new ArrayList<>();
        for (int i : validation) {
            validationTasks.add(makeTask(config, seed, pool, i, config.heldoutExamples()));
            compositions.put(name(pool.get(i)), pool.get(i));
        }
        return new SkillComp(config, seed, Collections.unmodifiableMap(compositions),
                new TaskSuite(trainingTasks, heldoutTasks), validationTasks);
    }

    /** Returns the sizes. */
    public SkillCompConfig config() {
        return config;
    }

    /** Returns the seed. */
    public long seed() {
        return seed;
    }

    /**
     * Returns the validation tasks: the distinct compositions neither trained on nor held out, with as
     * many examples as a held-out task (empty when the config asks for every composition).
     */
    public List<Task> validation() {
        return validation;
    }

    /** Returns the suite: training tasks in task-id order, and held-out tasks. */
    public TaskSuite suite() {
        return suite;
    }

    /** Returns the skills in use (the first {@code config.skills()} of the config's family). */
    public List<Skill> skills() {
        return skills(config);
    }

    /**
     * Returns the skills a task applies, in order.
     *
     * @param taskName a training or held-out task
     * @return its skills
     * @throws IllegalArgumentException if the task is not in this benchmark
     */
    public List<Skill> composition(String taskName) {
        List<Skill> c = compositions.get(taskName);
        if (c == null) {
            throw new IllegalArgumentException("no SkillComp task '" + taskName + "'; tasks: " + compositions.keySet());
        }
        return c;
    }

    /**
     * Computes what a task outputs for an input.
     *
     * @param taskName a training or held-out task
     * @param input symbols separated by spaces
     * @return the output symbols separated by spaces
     */
    public String apply(String taskName, String input) {
        return apply(composition(taskName), input, config.symbols());
    }

    /**
     * Applies skills in order to a symbol text.
     *
     * @param skills the skills
     * @param input symbols ({@code a}, {@code b}, ...) separated by spaces
     * @param symbols the alphabet size
     * @return the output symbols separated by spaces
     * @throws IllegalArgumentException if the input holds a word outside the alphabet
     */
    public static String apply(List<Skill> skills, String input, int symbols) {
        return text(applyAll(skills, parse(input, symbols), symbols));
    }

    /**
     * Returns the tokenizer's words (after {@code <pad>}, {@code </s>}, {@code <unk>}): the symbols,
     * then the span-corruption sentinels {@code <extra_id_0>} ... It depends only on the alphabet
     * size, so a backbone pretrained for one config serves every seed.
     *
     * @param config the sizes
     * @return the words, in id order
     */
    public static List<String> vocabulary(SkillCompConfig config) {
        List<String> words = new ArrayList<>();
        for (int s = 0; s < config.symbols(); s++) {
            words.add(symbol(s));
        }
        for (int i = 0; i < SENTINELS; i++) {
            words.add(sentinel(i));
        }
        return List.copyOf(words);
    }

    /**
     * Returns the vocabulary size a backbone needs: special tokens plus {@link #vocabulary}.
     *
     * @param config the sizes
     * @return the number of token ids
     */
    public static int vocabularySize(SkillCompConfig config) {
        return WordLevelTokenizerFile.SPECIAL_TOKENS.size() + vocabulary(config).size();
    }

    /**
     * Writes the word-level {@code tokenizer.json} for a config.
     *
     * @param config the sizes
     * @param file the target file
     * @throws IOException if it cannot be written
     */
    public static void writeTokenizer(SkillCompConfig config, Path file) throws IOException {
        WordLevelTokenizerFile.write(file, vocabulary(config));
    }

    /**
     * Writes the benchmark as a suite folder ({@link JsonlTasks}) with its {@value #TOKENIZER_FILE},
     * creating the folder if needed. Read it back with {@link JsonlTasks#readSuite} and
     * {@link org.routelab.backbone.TextTokenizer#load}.
     *
     * @param folder the folder
     * @throws IOException if a file cannot be written
     */
    public void writeTo(Path folder) throws IOException {
        Files.createDirectories(folder);
        JsonlTasks.writeSuite(folder, suite);
        if (!validation.isEmpty()) {
            JsonlTasks.write(folder.resolve(JsonlTasks.VALIDATION_FILE), validation);
        }
        writeTokenizer(config, folder.resolve(TOKENIZER_FILE));
    }

    /**
     * The backbone pretraining data: {@value #COPY_TASK} (the target is the input) and
     * {@value #SPAN_CORRUPTION_TASK} (one or two spans of one or two symbols are replaced by
     * sentinels in the input; the target lists each sentinel followed by the symbols it hides, then a
     * closing sentinel, as in T5). Sequences draw symbols with repetition and span every length the
     * benchmark's inputs and outputs can have. No skill is involved, so the backbone learns the symbol
     * space without the tasks.
     *
     * @param config the sizes (alphabet and lengths)
     * @param examplesPerObjective examples of each of the two tasks
     * @param seed the seed
     * @return a suite with the two pretraining tasks as training tasks and no held-out task
     */
    public static TaskSuite pretraining(SkillCompConfig config, int examplesPerObjective, long seed) {
        if (examplesPerObjective < 1) {
            throw new IllegalArgumentException("examplesPerObjective " + examplesPerObjective + " must be positive");
        }
        int minLength = config.minLength() - config.compositionLength();
        int maxLength = config.maxLength() + config.compositionLength();
        Random copyRandom = new Random(mix(seed, 1));
        Random spanRandom = new Random(mix(seed, 2));
        List<Example> copy = new ArrayList<>();
        List<Example> spans = new ArrayList<>();
        for (int i = 0; i < examplesPerObjective; i++) {
            String seq = text(randomSequence(copyRandom, config.symbols(), minLength, maxLength));
            copy.add(Example.of(COPY_TASK, seq, seq));
            spans.add(spanCorruption(spanRandom, config.symbols(), Math.max(2, minLength), maxLength));
        }
        return new TaskSuite(List.of(new Task(COPY_TASK, copy), new Task(SPAN_CORRUPTION_TASK, spans)), List.of());
    }

    // ---------------------------------------------------------------- task selection

    /** Compositions of distinct skills, in lexicographic order, minus functional duplicates. */
    private static List<List<Skill>> distinctCompositions(SkillCompConfig config) {
        List<Skill> skills = skills(config);
        List<int[]> probes = probes(config);
        Set<String> taken = new HashSet<>();
        taken.add(signature(List.of(), probes, config.symbols()));
        List<List<Skill>> pool = new ArrayList<>();
        for (int length = 1; length <= config.compositionLength(); length++) {
            for (List<Skill> c : sequences(skills, length)) {
                boolean fresh = taken.add(signature(c, probes, config.symbols()));
                if (fresh && length == config.compositionLength()) {
                    pool.add(c);
                }
            }
        }
        return pool;
    }

    /** All sequences of {@code length} distinct skills, in lexicographic order of skill indices. */
    private static List<List<Skill>> sequences(List<Skill> skills, int length) {
        List<List<Skill>> out = new ArrayList<>();
        extend(skills, length, new ArrayList<>(), out);
        return out;
    }

    private static void extend(List<Skill> skills, int length, List<Skill> prefix, List<List<Skill>> out) {
        if (prefix.size() == length) {
            out.add(List.copyOf(prefix));
            return;
        }
        for (Skill s : skills) {
            if (!prefix.contains(s)) {
                prefix.add(s);
                extend(skills, length, prefix, out);
                prefix.remove(prefix.size() - 1);
            }
        }
    }

    /** Fixed inputs (independent of the seed) on which functional equality is judged. */
    private static List<int[]> probes(SkillCompConfig config) {
        Random random = new Random(PROBE_SEED);
        List<int[]> probes = new ArrayList<>();
        for (int length = config.minLength(); length <= config.maxLength(); length++) {
            for (int i = 0; i < PROBES_PER_LENGTH; i++) {
                probes.add(distinctSymbols(random, config.symbols(), length));
            }
        }
        return probes;
    }

    private static String signature(List<Skill> skills, List<int[]> probes, int symbols) {
        return probes.stream()
                .map(p -> Arrays.toString(applyAll(skills, p, symbols)))
                .collect(Collectors.joining(";"));
    }

    /**
     * The first training tasks: in seeded order, each composition that puts a skill in a position no
     * earlier pick has, until every (skill, position) pair occurring in the pool is covered. Pairs that
     * never occur are those of commuting skills (only the first order of a commuting pair is kept).
     */
    private static List<Integer> covering(SkillCompConfig config, List<List<Skill>> pool, List<Integer> order) {
        Set<String> uncovered = new HashSet<>();
        for (List<Skill> c : pool) {
            uncovered.addAll(slots(c));
        }
        List<Integer> picked = new ArrayList<>();
        for (int i : order) {
            if (uncovered.removeAll(slots(pool.get(i)))) {
                picked.add(i);
            }
        }
        if (picked.size() > config.trainingTasks()) {
            throw new IllegalArgumentException("SkillComp: " + config.trainingTasks() + " training tasks cannot cover "
                    + "every skill in every position (this seed needs " + picked.size() + ")");
        }
        return picked;
    }

    private static List<String> slots(List<Skill> composition) {
        List<String> out = new ArrayList<>();
        for (int p = 0; p < composition.size(); p++) {
            out.add(composition.get(p) + "@" + p);
        }
        return out;
    }

    // ---------------------------------------------------------------- examples

    private static Task makeTask(SkillCompConfig config, long seed, List<List<Skill>> pool, int index, int count) {
        List<Skill> composition = pool.get(index);
        String name = name(composition);
        List<List<Skill>> related = related(pool, composition);
        Random random = new Random(mix(seed, EXAMPLE_SALT + index));
        Set<String> inputs = new HashSet<>();
        List<Example> examples = new ArrayList<>(count);
        for (long attempts = 0; examples.size() < count; attempts++) {
            if (attempts > 10_000L * count) {
                throw new IllegalArgumentException("SkillComp: task " + name + " has too few distinct inputs that"
                        + " every one of its skills changes for " + count + " examples; use more symbols or"
                        + " longer inputs");
            }
            int[] in = distinctSymbols(random, config.symbols(),
                    config.minLength() + random.nextInt(config.maxLength() - config.minLength() + 1));
            String input = text(in);
            if (informative(composition, in, config.symbols()) && inputs.add(input)) {
                int[] target = applyAll(composition, in, config.symbols());
                List<String> choices = choices(config, random, in, target, related, pool);
                examples.add(Example.withChoices(name, input, choices, choices.indexOf(text(target))));
            }
        }
        return new Task(name, examples);
    }

    /**
     * Whether each of the task's skills, applied alone, changes the input: examples where a skill
     * has nothing to act on (a swap whose symbols are absent) would not show the task apart from
     * its parts.
     */
    private static boolean informative(List<Skill> composition, int[] input, int symbols) {
        return composition.stream().noneMatch(s -> Arrays.equals(s.apply(input, symbols), input));
    }

    /** Distractor functions for a task: pool compositions sharing a skill with it, and its skills alone. */
    private static List<List<Skill>> related(List<List<Skill>> pool, List<Skill> composition) {
        List<List<Skill>> out = new ArrayList<>();
        for (List<Skill> c : pool) {
            if (!c.equals(composition) && c.stream().anyMatch(composition::contains)) {
                out.add(c);
            }
        }
        for (Skill s : composition) {
            out.add(List.of(s));
        }
        return out;
    }

    /**
     * The target and distinct distractors, shuffled. Distractors are outputs of related functions,
     * then of any composition, and among those first the ones made of exactly the target's symbols
     * (the hardest to rule out); only tiny configs run out and fall back to random sequences of the
     * target's length.
     */
    private static List<String> choices(SkillCompConfig config, Random random, int[] input, int[] target,
            List<List<Skill>> related, List<List<Skill>> pool) {
        List<int[]> sameSymbols = new ArrayList<>();
        List<int[]> otherSymbols = new ArrayList<>();
        int[] symbolsOfTarget = sorted(target);
        for (List<List<Skill>> source : List.of(related, pool)) {
            List<List<Skill>> shuffled = new ArrayList<>(source);
            Collections.shuffle(shuffled, random);
            for (List<Skill> f : shuffled) {
                int[] out = applyAll(f, input, config.symbols());
                (Arrays.equals(sorted(out), symbolsOfTarget) ? sameSymbols : otherSymbols).add(out);
            }
        }
        List<int[]> candidates = new ArrayList<>(sameSymbols);
        candidates.addAll(otherSymbols);
        Set<String> distinct = new HashSet<>();
        List<String> choices = new ArrayList<>();
        choices.add(text(target));
        distinct.add(choices.get(0));
        for (int[] c : candidates) {
            if (choices.size() == config.answerChoices()) {
                break;
            }
            String out = text(c);
            if (distinct.add(out)) {
                choices.add(out);
            }
        }
        while (choices.size() < config.answerChoices()) {
            String out = text(randomSequence(random, config.symbols(), target.length, target.length));
            if (distinct.add(out)) {
                choices.add(out);
            }
        }
        Collections.shuffle(choices, random);
        return choices;
    }

    private static int[] sorted(int[] seq) {
        int[] out = seq.clone();
        Arrays.sort(out);
        return out;
    }

    private static Example spanCorruption(Random random, int symbols, int minLength, int maxLength) {
        int[] seq = randomSequence(random, symbols, minLength, maxLength);
        int n = seq.length;
        // Spans of 1-2 symbols, at least one kept symbol between spans and somewhere in the sequence.
        boolean[] masked;
        do {
            masked = new boolean[n];
            int spans = n >= 5 ? 1 + random.nextInt(2) : 1;
            for (int s = 0; s < spans; s++) {
                int start = random.nextInt(n);
                int length = 1 + random.nextInt(2);
                for (int i = start; i < Math.min(n, start + length); i++) {
                    masked[i] = true;
                }
            }
        } while (!validMask(masked));
        List<String> input = new ArrayList<>();
        List<String> target = new ArrayList<>();
        int sentinel = 0;
        for (int i = 0; i < n; i++) {
            if (masked[i]) {
                if (i == 0 || !masked[i - 1]) {
                    input.add(sentinel(sentinel));
                    target.add(sentinel(sentinel));
                    sentinel++;
                }
                target.add(symbol(seq[i]));
            } else {
                input.add(symbol(seq[i]));
            }
        }
        target.add(sentinel(sentinel));
        return Example.of(SPAN_CORRUPTION_TASK, String.join(" ", input), String.join(" ", target));
    }

    /** At most two masked runs of at most two symbols each, and at least one symbol kept. */
    private static boolean validMask(boolean[] masked) {
        int runs = 0;
        int run = 0;
        int kept = 0;
        for (int i = 0; i < masked.length; i++) {
            if (masked[i]) {
                run++;
                if (run == 1) {
                    runs++;
                }
                if (run > 2) {
                    return false;
                }
            } else {
                run = 0;
                kept++;
            }
        }
        return runs >= 1 && runs <= SENTINELS - 1 && kept >= 1;
    }

    // ---------------------------------------------------------------- symbols

    private static void requireInputs(SkillCompConfig config) {
        // Distinct inputs per task: the number of sequences of distinct symbols bounds the examples.
        double capacity = 0;
        for (int length = config.minLength(); length <= config.maxLength(); length++) {
            double arrangements = 1;
            for (int i = 0; i < length; i++) {
                arrangements *= config.symbols() - i;
            }
            capacity += arrangements;
        }
        int most = Math.max(config.trainingExamples(), config.heldoutExamples());
        if (capacity < most) {
            throw new IllegalArgumentException("SkillComp: " + most + " examples per task exceed the "
                    + (long) capacity + " distinct inputs of " + config.minLength() + " to " + config.maxLength()
                    + " distinct symbols out of " + config.symbols());
        }
    }

    private static List<Skill> skills(SkillCompConfig config) {
        return config.family().skills().subList(0, config.skills());
    }

    private static String name(List<Skill> composition) {
        return composition.stream().map(Skill::id).collect(Collectors.joining("+"));
    }

    private static int[] applyAll(List<Skill> skills, int[] seq, int symbols) {
        int[] out = seq;
        for (Skill s : skills) {
            out = s.apply(out, symbols);
        }
        return out;
    }

    private static int[] distinctSymbols(Random random, int symbols, int length) {
        int[] alphabet = new int[symbols];
        Arrays.setAll(alphabet, i -> i);
        for (int i = 0; i < length; i++) {
            int j = i + random.nextInt(symbols - i);
            int tmp = alphabet[i];
            alphabet[i] = alphabet[j];
            alphabet[j] = tmp;
        }
        return Arrays.copyOf(alphabet, length);
    }

    private static int[] randomSequence(Random random, int symbols, int minLength, int maxLength) {
        int[] seq = new int[minLength + random.nextInt(maxLength - minLength + 1)];
        for (int i = 0; i < seq.length; i++) {
            seq[i] = random.nextInt(symbols);
        }
        return seq;
    }

    private static String symbol(int s) {
        return String.valueOf((char) ('a' + s));
    }

    private static String sentinel(int i) {
        return "<extra_id_" + i + ">";
    }

    private static String text(int[] seq) {
        StringBuilder b = new StringBuilder(2 * seq.length);
        for (int s : seq) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append((char) ('a' + s));
        }
        return b.toString();
    }

    private static int[] parse(String text, int symbols) {
        String[] words = text.strip().split("\\s+");
        int[] seq = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.length() != 1 || w.charAt(0) < 'a' || w.charAt(0) >= 'a' + symbols) {
                throw new IllegalArgumentException("'" + w + "' in '" + text + "' is not one of the " + symbols
                        + " symbols a.." + symbol(symbols - 1));
            }
            seq[i] = w.charAt(0) - 'a';
        }
        return seq;
    }

    /** SplitMix64's finaliser: independent-looking seeds for each purpose from one user seed. */
    private static long mix(long seed, long salt) {
        long z = seed + salt * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
