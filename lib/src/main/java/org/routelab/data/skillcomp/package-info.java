/**
 * SkillComp, the built-in benchmark: tasks that compose elementary {@link
 * org.routelab.data.skillcomp.Skill skills} over a small symbol alphabet, with held-out tasks made of
 * unseen combinations of seen skills, and the symbol-level data the built-in backbone is pretrained
 * on. See {@link org.routelab.data.skillcomp.SkillComp} for the design.
 */
package org.routelab.data.skillcomp;
