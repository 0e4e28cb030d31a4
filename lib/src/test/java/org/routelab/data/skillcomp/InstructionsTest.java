package org.routelab.data.skillcomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.routelab.data.Example;
import org.routelab.data.TaskSuite;

class InstructionsTest {
    @Test
    void inputsStartWithTheirTasksSkillCodesAndEverythingElseStays() {
        SkillComp benchmark = SkillComp.generate(0);
        TaskSuite suite = benchmark.suite();
        TaskSuite instructed = Instructions.prefix(benchmark, suite);
        assertEquals(suite.trainingNames(), instructed.trainingNames());
        assertEquals(suite.heldoutNames(), instructed.heldoutNames());
        String task = suite.heldoutNames().get(0);
        String instruction = Instructions.of(benchmark, task);
        String[] words = instruction.split(" ");
        assertEquals(3, words.length, instruction);
        assertEquals("<extra_id_0>", words[2]);
        java.util.List<Skill> skills = benchmark.composition(task);
        assertEquals(SkillComp.vocabulary(benchmark.config()).get(benchmark.skills().indexOf(skills.get(0))), words[0]);
        Example before = suite.heldout().get(0).examples().get(3);
        Example after = instructed.heldout().get(0).examples().get(3);
        assertEquals(instruction + " " + before.input(), after.input());
        assertEquals(before.target(), after.target());
        assertEquals(before.answerChoices(), after.answerChoices());
        assertEquals(before.label(), after.label());
        assertNotEquals(Instructions.of(benchmark, suite.trainingNames().get(0)),
                Instructions.of(benchmark, suite.trainingNames().get(1)), "tasks are told apart");
        assertTrue(SkillComp.vocabulary(benchmark.config()).contains(words[0]), "known to the tokenizer");
        assertThrows(IllegalArgumentException.class, () -> Instructions.of(benchmark, "nope"));
    }
}
