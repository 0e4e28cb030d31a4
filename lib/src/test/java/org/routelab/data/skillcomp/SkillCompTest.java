package org.routelab.data.skillcomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.TextTokenizer;
import org.routelab.data.Example;
import org.routelab.data.FewShotSampler;
import org.routelab.data.JsonlTasks;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;

class SkillCompTest {
    /** A smaller benchmark for the checks that do not need the default sizes. */
    private static final SkillCompConfig SMALL = new SkillCompConfig(10, 6, 2, 10, 4, 30, 40, 4, 5, 4, SkillFamily.SEQUENCE);

    @TempDir
    Path dir;

    @Test
    void sameSeedSameSuiteOtherSeedOtherSuite() {
        TaskSuite a = SkillComp.generate(SMALL, 7).suite();
        assertEquals(a, SkillComp.generate(SMALL, 7).suite());
        TaskSuite b = SkillComp.generate(SMALL, 8).suite();
        assertNotEquals(a, b);
        assertNotEquals(a.training().get(0).examples(), SkillComp.generate(SMALL, 8).suite().task(
                a.trainingNames().get(0)).examples(), "examples differ even where a task is shared");
    }

    @Test
    void defaultSuiteIsPinned() {
        // The default benchmark feeds cached backbones and reported results: it must not drift.
        SkillComp sc = SkillComp.generate(0);
        assertEquals(List.of("swap_cd+swap_gh", "swap_cd+swap_mn", "swap_cd+swap_op", "swap_ef+swap_kl",
                "swap_ef+swap_op"), sc.suite().heldoutNames());
        Example first = sc.suite().trainingTask(0).examples().get(0);
        assertEquals(new Example("swap_ab+swap_cd", "p n a d i", "p n b c i",
                List.of("p n a c j", "p m b d i", "p n b c i", "p n b d i"), 2), first);
    }

    @Test
    void validationTasksAreTheLeftoverCompositionsDisjointFromTrainingAndTest() {
        SkillComp sc = SkillComp.generate(0);
        // 28 distinct pairs of the 8 swaps: 20 train, 5 test, the 3 left validate
        assertEquals(List.of("swap_ab+swap_ij", "swap_cd+swap_ef", "swap_ef+swap_gh"),
                sc.validation().stream().map(Task::name).toList());
        for (long seed : FewShotSampler.PAPER_SEEDS) {
            SkillComp s = SkillComp.generate(seed);
            Set<String> seen = new HashSet<>(s.suite().trainingNames());
            seen.addAll(s.suite().heldoutNames());
            for (Task v : s.validation()) {
                assertFalse(seen.contains(v.name()), v.name() + " is also a training or test task");
                assertEquals(SkillCompConfig.DEFAULT.heldoutExamples(), v.examples().size());
                assertTrue(v.examples().stream().allMatch(e -> s.apply(v.name(), e.input()).equals(e.target())));
            }
            assertEquals(3, s.validation().size(), "seed " + seed);
        }
    }

    @Test
    void heldoutTasksAreUnseenCombinationsOfSeenSkills() {
        for (long seed : FewShotSampler.PAPER_SEEDS) {
            SkillComp sc = SkillComp.generate(seed);
            TaskSuite suite = sc.suite();
            SkillCompConfig c = SkillCompConfig.DEFAULT;
            assertEquals(c.trainingTasks(), suite.numTrainingTasks());
            assertEquals(c.heldoutTasks(), suite.heldout().size());

            Set<String> trainingSlots = new HashSet<>();
            Set<List<Skill>> trainingCompositions = new HashSet<>();
            for (Task t : suite.training()) {
                List<Skill> skills = sc.composition(t.name());
                assertEquals(c.compositionLength(), skills.size());
                trainingCompositions.add(skills);
                for (int p = 0; p < skills.size(); p++) {
                    trainingSlots.add(skills.get(p) + "@" + p);
                }
            }
            // Every skill in use appears in training (swaps commute: only one order of a pair is a task).
            assertEquals(c.skills(), trainingCompositions.stream().flatMap(List::stream).distinct().count(),
                    "seed " + seed);
            for (Task h : suite.heldout()) {
                List<Skill> skills = sc.composition(h.name());
                assertFalse(trainingCompositions.contains(skills), h.name() + " is a training composition");
                for (int p = 0; p < skills.size(); p++) {
                    assertTrue(trainingSlots.contains(skills.get(p) + "@" + p), h.name() + " uses an unseen skill");
                }
                // Not the same function as a training task under another name (e.g. a commuting pair).
                for (Task t : suite.training()) {
                    assertTrue(h.examples().stream().anyMatch(e -> !sc.apply(t.name(), e.input()).equals(e.target())),
                            h.name() + " computes the same function as " + t.name());
                }
            }
        }
    }

    @Test
    void defaultExamplesShowEverySkillOfTheirTaskAtWork() {
        SkillComp sc = SkillComp.generate(0);
        for (Task t : concat(sc.suite())) {
            for (Example e : t.examples()) {
                for (Skill skill : sc.composition(t.name())) {
                    assertNotEquals(e.input(), SkillComp.apply(List.of(skill), e.input(), 16),
                            skill + " leaves " + e.input() + " of " + t.name() + " unchanged");
                }
            }
        }
    }

    @Test
    void examplesAreCorrectAndChoicesAreDistinctWithTheTargetOnce() {
        SkillComp sc = SkillComp.generate(SMALL, 3);
        int[] labelCounts = new int[SMALL.answerChoices()];
        for (Task t : concat(sc.suite())) {
            assertEquals(sc.suite().isTraining(t.name()) ? SMALL.trainingExamples() : SMALL.heldoutExamples(), t.size());
            Set<String> inputs = new HashSet<>();
            for (Example e : t.examples()) {
                assertTrue(inputs.add(e.input()), "inputs repeat in " + t.name());
                String[] symbols = e.input().split(" ");
                assertTrue(symbols.length >= SMALL.minLength() && symbols.length <= SMALL.maxLength(), e.input());
                assertEquals(symbols.length, new HashSet<>(Arrays.asList(symbols)).size(), "distinct input symbols");
                assertEquals(sc.apply(t.name(), e.input()), e.target());
                assertEquals(SMALL.answerChoices(), e.answerChoices().size());
                assertEquals(SMALL.answerChoices(), new HashSet<>(e.answerChoices()).size(), "distinct choices");
                assertEquals(1, e.answerChoices().stream().filter(e.target()::equals).count());
                assertEquals(e.target(), e.answerChoices().get(e.label()));
                labelCounts[e.label()]++;
            }
        }
        for (int count : labelCounts) {
            assertTrue(count > 0, "the right answer sits at every position: " + Arrays.toString(labelCounts));
        }
    }

    @Test
    void writtenSuiteAndTokenizerRoundTripWithoutUnknownTokens() throws IOException {
        SkillComp sc = SkillComp.generate(SMALL, 11);
        sc.writeTo(dir);
        assertEquals(sc.suite(), JsonlTasks.readSuite(dir));
        List<String> vocab = SkillComp.vocabulary(SMALL);
        assertEquals(SMALL.symbols() + SkillComp.SENTINELS, vocab.size());
        assertEquals(3 + vocab.size(), SkillComp.vocabularySize(SMALL));
        try (TextTokenizer tok = TextTokenizer.load(dir.resolve(SkillComp.TOKENIZER_FILE))) {
            for (int i = 0; i < vocab.size(); i++) {
                assertArrayEquals(new long[] {3 + i, 1}, tok.encode(vocab.get(i)), vocab.get(i));
            }
            List<String> texts = new ArrayList<>();
            for (Task t : concat(sc.suite())) {
                for (Example e : t.examples()) {
                    texts.add(e.input());
                    texts.addAll(e.answerChoices());
                }
            }
            for (Task t : SkillComp.pretraining(SMALL, 50, 5).training()) {
                for (Example e : t.examples()) {
                    texts.add(e.input());
                    texts.add(e.target());
                }
            }
            for (String text : texts) {
                long[] ids = tok.encode(text);
                assertTrue(Arrays.stream(ids).allMatch(id -> id != 2), "<unk> in '" + text + "'");
                assertEquals(text.split(" ").length + 1, ids.length, text);
                assertEquals(text, tok.decode(ids));
            }
        }
    }

    @Test
    void pretrainingCopiesAndCorruptsSpansWithoutSkills() {
        TaskSuite pre = SkillComp.pretraining(SMALL, 200, 9);
        assertEquals(pre, SkillComp.pretraining(SMALL, 200, 9));
        assertNotEquals(pre, SkillComp.pretraining(SMALL, 200, 10));
        assertEquals(List.of(SkillComp.COPY_TASK, SkillComp.SPAN_CORRUPTION_TASK), pre.trainingNames());
        Set<Integer> lengths = new HashSet<>();
        for (Example e : pre.task(SkillComp.COPY_TASK).examples()) {
            assertEquals(e.input(), e.target());
            lengths.add(e.input().split(" ").length);
        }
        // Every input and output length of the tasks: 4-5 symbols, minus or plus two skills' worth.
        assertEquals(Set.of(2, 3, 4, 5, 6, 7), lengths);
        for (Example e : pre.task(SkillComp.SPAN_CORRUPTION_TASK).examples()) {
            String restored = fill(e.input(), e.target());
            int n = restored.split(" ").length;
            assertTrue(n >= 2 && n <= 7, restored);
            assertTrue(restored.matches("[a-j]( [a-j])*"), restored);
            assertTrue(e.input().contains("<extra_id_0>"), e.input());
        }
    }

    @Test
    void compositionsOfThreeAreAnOption() {
        SkillCompConfig three = new SkillCompConfig(10, 5, 3, 12, 3, 10, 10, 4, 5, 4, SkillFamily.SEQUENCE);
        SkillComp sc = SkillComp.generate(three, 1);
        for (Task t : concat(sc.suite())) {
            assertEquals(3, sc.composition(t.name()).size());
            assertEquals(3, t.name().split("\\+").length);
        }
    }

    @Test
    void impossibleConfigsAreRejectedNamingTheField() {
        var symbols = assertThrows(IllegalArgumentException.class,
                () -> new SkillCompConfig(30, 8, 2, 20, 5, 200, 150, 4, 6, 4, SkillFamily.SEQUENCE));
        assertEquals("SkillComp symbols = 30 must be in [maxLength = 6, 26]", symbols.getMessage());
        var minLength = assertThrows(IllegalArgumentException.class,
                () -> new SkillCompConfig(12, 8, 2, 20, 5, 200, 150, 2, 6, 4, SkillFamily.SEQUENCE));
        assertTrue(minLength.getMessage().startsWith("SkillComp minLength = 2"), minLength.getMessage());
        var tooMany = assertThrows(IllegalArgumentException.class,
                () -> SkillComp.generate(new SkillCompConfig(12, 3, 2, 20, 5, 10, 10, 4, 6, 4, SkillFamily.SEQUENCE), 0));
        assertTrue(tooMany.getMessage().contains("distinct tasks"), tooMany.getMessage());
        var cover = assertThrows(IllegalArgumentException.class,
                () -> SkillComp.generate(new SkillCompConfig(12, 8, 2, 3, 5, 10, 10, 4, 6, 4, SkillFamily.SEQUENCE), 0));
        assertTrue(cover.getMessage().contains("cannot cover"), cover.getMessage());
        var inputs = assertThrows(IllegalArgumentException.class,
                () -> SkillComp.generate(new SkillCompConfig(5, 8, 2, 6, 1, 100, 10, 3, 3, 2, SkillFamily.SEQUENCE), 0));
        assertTrue(inputs.getMessage().contains("60 distinct inputs"), inputs.getMessage());
    }

    /** Puts each sentinel's symbols back into the corrupted input. */
    private static String fill(String input, String target) {
        List<String> out = new ArrayList<>();
        List<String> t = List.of(target.split(" "));
        for (String w : input.split(" ")) {
            if (w.startsWith("<extra_id_")) {
                int at = t.indexOf(w);
                assertTrue(at >= 0, w + " missing from " + target);
                for (int i = at + 1; i < t.size() && !t.get(i).startsWith("<extra_id_"); i++) {
                    out.add(t.get(i));
                }
            } else {
                out.add(w);
            }
        }
        return out.stream().collect(Collectors.joining(" "));
    }

    private static List<Task> concat(TaskSuite suite) {
        List<Task> all = new ArrayList<>(suite.training());
        all.addAll(suite.heldout());
        return all;
    }
}
