"""The T0 benchmark as RouteLab tasks: the T0 training mixture and the held-out suite of the MHR,
TensorPoly and T-Few papers, one task per (dataset, prompt template) pair.

The rendering follows promptsource's template objects, which this module only duck-types (``name``,
``metadata.original_task``, ``apply(example)``, ``get_answer_choices_list(example)``), so it runs
and is tested without promptsource. ``export_t0.py`` supplies the real templates and data sets.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .tasks import TaskRowError, make_row

# Few-shot protocol of the papers (T-Few, MHR, TensorPoly): k shots per held-out task, median over
# these seeds.
DEFAULT_K = 32
FEW_SHOT_SEEDS = (0, 1024, 42)

# T0 caps a data set larger than this at this many examples, spread over its templates.
T0_MAX_EXAMPLES_PER_DATASET = 500_000


@dataclass(frozen=True)
class HeldoutSource:
    """A held-out data set: its promptsource/Hugging Face name, the split evaluated, and k."""

    key: str
    title: str
    dataset: str
    subset: Optional[str]
    eval_split: str
    k: int = DEFAULT_K

    @property
    def path(self) -> str:
        return dataset_path(self.dataset, self.subset)


@dataclass(frozen=True)
class TrainSource:
    """A data set of the T0 training mixture."""

    dataset: str
    subset: Optional[str]
    category: str

    @property
    def path(self) -> str:
        return dataset_path(self.dataset, self.subset)


# The 11 held-out evaluation sets (T0 paper, Table 1 of T-Few), evaluated on their validation
# splits; few-shot sizes as in the papers (Winogrande 50, StoryCloze 70, H-SWAG 20, else 32).
HELDOUT: Tuple[HeldoutSource, ...] = (
    HeldoutSource("rte", "RTE", "super_glue", "rte", "validation"),
    HeldoutSource("cb", "CB", "super_glue", "cb", "validation"),
    HeldoutSource("anli_r1", "ANLI R1", "anli", None, "dev_r1"),
    HeldoutSource("anli_r2", "ANLI R2", "anli", None, "dev_r2"),
    HeldoutSource("anli_r3", "ANLI R3", "anli", None, "dev_r3"),
    HeldoutSource("copa", "COPA", "super_glue", "copa", "validation"),
    HeldoutSource("hellaswag", "H-SWAG", "hellaswag", None, "validation", k=20),
    HeldoutSource("story_cloze", "StoryCloze", "story_cloze", "2016", "validation", k=70),
    HeldoutSource("wsc", "WSC", "super_glue", "wsc.fixed", "validation"),
    HeldoutSource("winogrande", "Winogrande", "winogrande", "winogrande_xl", "validation", k=50),
    HeldoutSource("wic", "WiC", "super_glue", "wic", "validation"),
)

# The T0 training mixture (T0 paper, Figure 2), by promptsource dataset/subset names.
TRAIN: Tuple[TrainSource, ...] = tuple(
    TrainSource(d, s, c) for c, items in (
        ("multiple-choice QA", (("cos_e", "v1.11"), ("dream", None), ("quail", None), ("quartz", None),
                                ("social_i_qa", None), ("wiqa", None), ("cosmos_qa", None), ("qasc", None),
                                ("quarel", None), ("sciq", None), ("wiki_hop", "original"))),
        ("extractive QA", (("adversarial_qa", "dbidaf"), ("adversarial_qa", "dbert"), ("adversarial_qa", "droberta"),
                           ("quoref", None), ("duorc", "SelfRC"), ("duorc", "ParaphraseRC"), ("ropes", None))),
        ("closed-book QA", (("kilt_tasks", "hotpotqa"), ("wiki_qa", None))),
        ("structure-to-text", (("common_gen", None), ("wiki_bio", None))),
        ("sentiment", (("amazon_polarity", None), ("app_reviews", None), ("imdb", None), ("rotten_tomatoes", None),
                       ("yelp_review_full", None))),
        ("summarization", (("cnn_dailymail", "3.0.0"), ("gigaword", None), ("multi_news", None), ("samsum", None),
                           ("xsum", None))),
        ("topic classification", (("ag_news", None), ("dbpedia_14", None), ("trec", None))),
        ("paraphrase identification", (("glue", "mrpc"), ("paws", "labeled_final"), ("glue", "qqp"))),
    ) for d, s in items)


class SkipExample(Exception):
    """An example a template cannot turn into a valid row; the message is the reason, for counts."""


class SourceUnavailable(Exception):
    """A data set that cannot be loaded here (e.g. StoryCloze without its manual download)."""


def dataset_path(dataset: str, subset: Optional[str]) -> str:
    return dataset if subset is None else f"{dataset}/{subset}"


def sanitize(name: str) -> str:
    """A task-name fragment: runs of anything but ASCII letters and digits become one underscore."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_")


def task_names(prefix: str, template_names: Sequence[str]) -> Dict[str, str]:
    """Task names ``<prefix>_<template>`` for templates in order; sanitising collisions get ``_2``, ``_3``."""
    out: Dict[str, str] = {}
    used = set()
    for t in template_names:
        base = sanitize(f"{prefix}_{t}") or sanitize(prefix)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        out[t] = name
    return out


def t0_cap(train_size: int, num_templates: int) -> int:
    """Examples per (dataset, template) task in T0's mixture: all, or 500k spread over the templates."""
    if train_size > T0_MAX_EXAMPLES_PER_DATASET:
        return T0_MAX_EXAMPLES_PER_DATASET // max(1, num_templates)
    return train_size


def normalize_applied(applied: object) -> Tuple[str, List[str]]:
    """The prompt and targets of ``Template.apply``: a list ``[prompt, target, ...]`` in promptsource
    0.2.x, ``(prompt, [targets])`` in some later versions.

    Raises:
        SkipExample: when the template rendered no prompt or no target for this example.
    """
    if isinstance(applied, tuple) and len(applied) == 2 and isinstance(applied[1], (list, tuple)):
        prompt, targets = applied[0], list(applied[1])
    elif isinstance(applied, (list, tuple)):
        if not applied:
            raise SkipExample("template rendered nothing")
        prompt, targets = applied[0], list(applied[1:])
    else:
        raise SkipExample(f"template returned {type(applied).__name__}, not a list")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SkipExample("empty prompt")
    targets = [t.strip() for t in targets if isinstance(t, str) and t.strip()]
    if not targets:
        raise SkipExample("empty target")
    return prompt.strip(), targets


def render(task: str, template, example: Mapping[str, object], require_choices: bool) -> Dict[str, object]:
    """One row from one example.

    The first target is the row's target. Answer choices are kept when they hold the target (rank
    classification needs them); without them a training row stays a generation row, while a
    held-out row (``require_choices``) is skipped.

    Raises:
        SkipExample: with the reason.
    """
    try:
        applied = template.apply(dict(example))
        choices = template.get_answer_choices_list(dict(example))
    except Exception as e:  # a template failing on one odd example must not end the export
        raise SkipExample(f"template error: {type(e).__name__}") from e
    prompt, targets = normalize_applied(applied)
    target = targets[0]
    if choices is not None:
        choices = [c.strip() if isinstance(c, str) else c for c in choices]
        if target not in choices:
            if require_choices:
                raise SkipExample("target not among answer choices")
            choices = None
    elif require_choices:
        raise SkipExample("no answer choices")
    try:
        return make_row(task, prompt, target, choices)
    except TaskRowError as e:
        if choices is not None and not require_choices:
            try:
                return make_row(task, prompt, target)
            except TaskRowError:
                pass
        raise SkipExample(_reason(e)) from e


def _reason(e: Exception) -> str:
    # Counts group by reason, so drop the values from the message.
    msg = str(e)
    for marker in (" got ", " is not among", " differs from"):
        if marker in msg:
            return msg.split(marker)[0].strip().rstrip(",:")
    return msg


def collect(task: str, template, examples: Sequence[Mapping[str, object]], limit: Optional[int], seed: int,
            require_choices: bool) -> Tuple[List[Dict[str, object]], Counter]:
    """Rows of one task: with a limit, examples in a seeded random order until ``limit`` rows; without
    one, every example in data-set order. Returns the rows and the skip reasons counted."""
    order: Iterable[int] = range(len(examples))
    if limit:
        order = list(order)
        # A string seed hashes with SHA-512: the same order on every run and Python version.
        random.Random(f"{seed}:{task}").shuffle(order)
    rows: List[Dict[str, object]] = []
    skipped: Counter = Counter()
    for i in order:
        if limit and len(rows) >= limit:
            break
        try:
            rows.append(render(task, template, examples[i], require_choices))
        except SkipExample as e:
            skipped[str(e)] += 1
    return rows, skipped


def collect_mixed(task: str, templates: Sequence, examples: Sequence[Mapping[str, object]], limit: Optional[int],
                  seed: int) -> Tuple[List[Dict[str, object]], Counter]:
    """One task for a whole data set: each example rendered with a template drawn by a seeded random
    generator (T-Few's few-shot training draws a template per example)."""
    rng = random.Random(f"{seed}:{task}:templates")
    rows: List[Dict[str, object]] = []
    skipped: Counter = Counter()
    for i in range(len(examples)):
        if limit and len(rows) >= limit:
            break
        template = templates[rng.randrange(len(templates))]
        try:
            rows.append(render(task, template, examples[i], True))
        except SkipExample as e:
            skipped[str(e)] += 1
    return rows, skipped


@dataclass
class ExportOptions:
    """What export() renders.

    max_train_per_task: rows per training task at most (0: T0's own cap, see t0_cap).
    max_heldout_per_task: rows per held-out task at most (0: the whole evaluation split).
    heldout_granularity: "template" (a task per dataset and template) or "dataset" (a task per data
        set, a random original-task template per example).
    seed: seed of the example order and the template draws.
    skip_unavailable: record a data set that fails to load and go on, instead of failing.
    """

    max_train_per_task: int = 1000
    max_heldout_per_task: int = 0
    heldout_granularity: str = "template"
    seed: int = 0
    skip_unavailable: bool = False


TemplatesFor = Callable[[str, Optional[str]], Sequence[Tuple[str, object]]]
ExamplesFor = Callable[[str, Optional[str], str], Sequence[Mapping[str, object]]]


def export(train_sources: Sequence[TrainSource], heldout_sources: Sequence[HeldoutSource],
           templates_for: TemplatesFor, examples_for: ExamplesFor, options: ExportOptions,
           log: Callable[[str], None] = lambda s: None) -> Tuple[List[Dict], List[Dict], Dict]:
    """Renders the suite.

    Args:
        templates_for: (dataset, subset) -> [(template name, template)], sorted by name.
        examples_for: (dataset, subset, split) -> a sequence of example dicts; raises
            SourceUnavailable when the data set cannot be had here.

    Returns:
        training rows, held-out rows, and the manifest (suite.json).
    """
    if options.heldout_granularity not in ("template", "dataset"):
        raise ValueError(f"heldout granularity must be 'template' or 'dataset', not '{options.heldout_granularity}'")
    training: List[Dict] = []
    heldout: List[Dict] = []
    manifest: Dict = {
        "format": "routelab-suite/1",
        "suite": "t0",
        "created_by": "data-scripts/export_t0.py",
        "options": {
            "max_train_per_task": options.max_train_per_task,
            "max_heldout_per_task": options.max_heldout_per_task,
            "heldout_granularity": options.heldout_granularity,
            "seed": options.seed,
        },
        "few_shot": {"default_k": DEFAULT_K, "seeds": list(FEW_SHOT_SEEDS),
                     "k": {h.key: h.k for h in heldout_sources},
                     "note": "held-out rows come from the evaluation split named per task; k shots are drawn "
                             "from them and the rest is evaluated"},
        "training": [],
        "heldout": [],
        "unavailable": {},
    }

    def load(dataset, subset, split):
        try:
            return examples_for(dataset, subset, split)
        except SourceUnavailable as e:
            log(f"skipping {dataset_path(dataset, subset)}: {e}")
            manifest["unavailable"][dataset_path(dataset, subset)] = str(e)
        except Exception as e:
            if not options.skip_unavailable:
                raise RuntimeError(f"cannot load {dataset_path(dataset, subset)} split '{split}': "
                                   f"{type(e).__name__}: {e} (use --skip-unavailable to go on without it)") from e
            log(f"skipping {dataset_path(dataset, subset)}: {type(e).__name__}: {e}")
            manifest["unavailable"][dataset_path(dataset, subset)] = f"{type(e).__name__}: {e}"
        return None

    for src in train_sources:
        templates = list(templates_for(src.dataset, src.subset))
        if not templates:
            raise ValueError(f"promptsource has no templates for {src.path}")
        examples = load(src.dataset, src.subset, "train")
        if examples is None:
            continue
        cap = t0_cap(len(examples), len(templates))
        limit = min(cap, options.max_train_per_task) if options.max_train_per_task else cap
        names = task_names(sanitize(src.path), [n for n, _ in templates])
        for tname, template in templates:
            task = names[tname]
            rows, skipped = collect(task, template, examples, limit, options.seed, require_choices=False)
            log(f"train {task}: {len(rows)} rows" + (f", skipped {dict(skipped)}" if skipped else ""))
            if not rows:
                manifest["unavailable"][task] = f"no valid rows (skipped: {dict(skipped)})"
                continue
            training.extend(rows)
            manifest["training"].append(_entry(task, src.path, src.dataset, src.subset, tname, template, "train",
                                               len(rows), skipped, category=src.category))

    for src in heldout_sources:
        # Rank classification needs answer choices, and T0 evaluates original-task prompts only.
        templates = [(n, t) for n, t in templates_for(src.dataset, src.subset) if _original_task(t)]
        if not templates:
            raise ValueError(f"promptsource has no original-task templates for {src.path}")
        examples = load(src.dataset, src.subset, src.eval_split)
        if examples is None:
            continue
        limit = options.max_heldout_per_task or None
        if options.heldout_granularity == "dataset":
            rows, skipped = collect_mixed(src.key, [t for _, t in templates], examples, limit, options.seed)
            groups = [(src.key, "(one per example)", None, rows, skipped)]
        else:
            names = task_names(src.key, [n for n, _ in templates])
            groups = []
            for tname, template in templates:
                rows, skipped = collect(names[tname], template, examples, limit, options.seed, require_choices=True)
                groups.append((names[tname], tname, template, rows, skipped))
        for task, tname, template, rows, skipped in groups:
            log(f"held-out {task}: {len(rows)} rows" + (f", skipped {dict(skipped)}" if skipped else ""))
            if len(rows) <= src.k:
                # Too few to draw k shots and still evaluate.
                manifest["unavailable"][task] = f"{len(rows)} valid rows, not more than k = {src.k}"
                continue
            heldout.extend(rows)
            manifest["heldout"].append(_entry(task, src.path, src.dataset, src.subset, tname, template,
                                              src.eval_split, len(rows), skipped, group=src.key, title=src.title,
                                              k=src.k))
    if not training and train_sources:
        raise ValueError("no training rows were exported")
    return training, heldout, manifest


def _original_task(template) -> bool:
    metadata = getattr(template, "metadata", None)
    return bool(getattr(metadata, "original_task", False))


def _entry(task, path, dataset, subset, tname, template, split, n, skipped, **extra) -> Dict:
    e = {"task": task, **extra, "source": path, "dataset": dataset, "subset": subset, "template": tname}
    if template is not None:
        get_id = getattr(template, "get_id", None)
        if callable(get_id):
            e["template_id"] = get_id()
        e["original_task"] = _original_task(template)
    e.update({"split": split, "examples": n})
    if skipped:
        e["skipped"] = dict(sorted(skipped.items()))
    return e
