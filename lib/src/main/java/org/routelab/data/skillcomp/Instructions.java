package org.routelab.data.skillcomp;

import java.util.ArrayList;
import java.util.List;
import org.routelab.data.Example;
import org.routelab.data.Task;
import org.routelab.data.TaskSuite;

/**
 * SkillComp with instructions: every input starts with a code naming its task's skills, in order, then
 * the first span sentinel, then the symbols: {@code "a d <extra_id_0> c f b"} for a task made of the
 * first and fourth skills. SkillComp's own inputs carry no task description, so only routing by task
 * id can tell tasks apart; with instructions, routers that read the input (MoE-LoRA, OrchMoE, T-REX)
 * can too, as T0's and SuperNI's prompts let them. Held-out tasks get codes of known skills in a new
 * combination. The codes are the alphabet's symbols (skill {@code i} is the {@code i}-th), so the
 * built-in backbone's vocabulary covers them; targets and answer choices are unchanged.
 */
public final class Instructions {
    private Instructions() {}

    /**
     * Returns a task's instruction.
     *
     * @param benchmark the benchmark the task comes from
     * @param task a training or held-out task
     * @return the code of its skills and the separator, e.g. {@code "a d <extra_id_0>"}
     * @throws IllegalArgumentException if the task is not in the benchmark
     */
    public static String of(SkillComp benchmark, String task) {
        List<String> words = SkillComp.vocabulary(benchmark.config());
        List<Skill> skills = benchmark.skills();
        StringBuilder b = new StringBuilder();
        for (Skill s : benchmark.composition(task)) {
            b.append(words.get(skills.indexOf(s))).append(' ');
        }
        // The vocabulary lists the symbols, then the sentinels.
        return b.append(words.get(benchmark.config().symbols())).toString();
    }

    /**
     * Returns a suite whose inputs start with their task's instruction.
     *
     * @param benchmark the benchmark
     * @param suite a suite of the benchmark's tasks, e.g. {@code benchmark.suite()} or a cut of it
     * @return the same tasks and examples, inputs prefixed
     */
    public static TaskSuite prefix(SkillComp benchmark, TaskSuite suite) {
        return new TaskSuite(prefix(benchmark, suite.training()), prefix(benchmark, suite.heldout()));
    }

    private static List<Task> prefix(SkillComp benchmark, List<Task> tasks) {
        List<Task> out = new ArrayList<>();
        for (Task t : tasks) {
            String instruction = of(benchmark, t.name());
            List<Example> examples = new ArrayList<>();
            for (Example e : t.examples()) {
                examples.add(new Example(e.task(), instruction + " " + e.input(), e.target(), e.answerChoices(),
                        e.label()));
            }
            out.add(new Task(t.name(), examples));
        }
        return out;
    }
}
