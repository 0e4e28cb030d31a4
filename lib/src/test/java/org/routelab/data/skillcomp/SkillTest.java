package org.routelab.data.skillcomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SkillTest {
    @ParameterizedTest
    @CsvSource({
        "reverse,      a b c d,   d c b a",
        "rotate,       a b c d,   b c d a",
        "swap_pairs,   a b c d e, b a d c e",
        "swap_pairs,   a b c d,   b a d c",
        "swap_ends,    a b c d,   d b c a",
        "shift,        a b l,     b c a",
        "mirror,       a b l,     l k a",
        "drop_first,   a b c,     b c",
        "append_first, a b c,     a b c a",
        "drop_last,    a b c,     a b",
        "sort,         c a l b,   a b c l",
        "swap_ab,      a c b d,   b c a d",
        "swap_cd,      d e c,     c e d",
        "swap_kl,      k a l,     l a k",
    })
    void eachSkillOnHandWorkedExamples(String skill, String input, String expected) {
        // 12 symbols: a..l, so shift wraps l to a and mirror maps a to l.
        assertEquals(expected, SkillComp.apply(List.of(Skill.byId(skill)), input, 12));
    }

    @Test
    void swapsOnDisjointPairsCommuteAndNeedTheirSymbols() {
        List<Skill> swaps = SkillFamily.SWAPS.skills();
        assertEquals(8, swaps.size());
        assertEquals("b a d c e", SkillComp.apply(List.of(Skill.SWAP_AB, Skill.SWAP_CD), "a b c d e", 16));
        assertEquals("b a d c e", SkillComp.apply(List.of(Skill.SWAP_CD, Skill.SWAP_AB), "a b c d e", 16));
        assertEquals(16, Skill.SWAP_OP.minSymbols());
        assertThrows(IllegalArgumentException.class, () -> Skill.SWAP_OP.apply(new int[] {0, 1}, 12));
        assertThrows(IllegalArgumentException.class, () -> new SkillCompConfig(12, 8, 2, 20, 5, 200, 150, 4, 6, 4,
                SkillFamily.SWAPS));
    }

    @Test
    void compositionsApplyInOrder() {
        assertEquals("d c b", SkillComp.apply(List.of(Skill.REVERSE, Skill.SHIFT), "a b c", 12));
        assertEquals("c d a", SkillComp.apply(List.of(Skill.ROTATE, Skill.DROP_FIRST), "a b c d", 12));
        assertEquals("c d b", SkillComp.apply(List.of(Skill.DROP_FIRST, Skill.ROTATE), "a b c d", 12));
        assertEquals("k j l k", SkillComp.apply(List.of(Skill.APPEND_FIRST, Skill.MIRROR), "b c a", 12));
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> SkillComp.apply(List.of(Skill.REVERSE), "a m", 12));
        assertTrue(unknown.getMessage().contains("'m'"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Skill.byId("transpose"));
    }
}
