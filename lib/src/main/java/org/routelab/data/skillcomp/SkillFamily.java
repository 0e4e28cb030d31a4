package org.routelab.data.skillcomp;

import java.util.Arrays;
import java.util.List;

/** The two kinds of SkillComp skills (see {@link Skill}); a benchmark draws its skills from one. */
public enum SkillFamily {
    /** Sequence transformations (reverse, rotate, shift, ...): compositions apply them in order. */
    SEQUENCE,
    /** Symbol-pair swaps on disjoint pairs: compositions are unions of their effects. */
    SWAPS;

    /** Returns the family's skills in declaration order. */
    public List<Skill> skills() {
        return Arrays.stream(Skill.values()).filter(s -> s.family() == this).toList();
    }
}
