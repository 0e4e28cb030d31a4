"""Super-NaturalInstructions (SuperNI) subsets as RouteLab suites, in the OrchMoE paper's setup:
10 and 100 randomly chosen training tasks with 1000 training and 100 separate evaluation examples
each, and 10 further unseen tasks with 100 evaluation examples each.

Reads the task JSON files of a natural-instructions checkout (``tasks/taskNNN_*.json``): ``Definition``,
``Positive Examples``, ``Instances`` (each ``{"id", "input", "output": [...]}``) and the language lists.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from .tasks import TaskRowError, make_row


class SuperNIError(ValueError):
    """A malformed task file; the message names the file and field."""


@dataclass
class SuperNITask:
    name: str
    path: str
    definition: str
    positive_examples: List[Tuple[str, str]]
    instances: List[Tuple[str, str]]  # (input, first output), blank ones dropped
    english: bool
    categories: List[str] = field(default_factory=list)
    dropped_instances: int = 0


def read_task(path: str) -> SuperNITask:
    """Reads one task file.

    Raises:
        SuperNIError: naming the file and the missing or malformed field.
    """
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise SuperNIError(f"{path}: not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise SuperNIError(f"{path}: expected a JSON object at the top level")

    def strings(key, required=True):
        v = data.get(key)
        if v is None:
            if required:
                raise SuperNIError(f"{path}: missing field '{key}'")
            return []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise SuperNIError(f"{path}: field '{key}' must be a list of strings")
        return v

    definition = " ".join(d.strip() for d in strings("Definition")).strip()
    if not definition:
        raise SuperNIError(f"{path}: field 'Definition' is empty")
    raw_instances = data.get("Instances")
    if not isinstance(raw_instances, list):
        raise SuperNIError(f"{path}: field 'Instances' must be a list")
    instances, dropped = [], 0
    for i, inst in enumerate(raw_instances):
        if not isinstance(inst, dict) or not isinstance(inst.get("input"), str) or not isinstance(inst.get("output"), list):
            raise SuperNIError(f"{path}: Instances[{i}] must be an object with a string 'input' and a list 'output'")
        outputs = [o.strip() for o in inst["output"] if isinstance(o, str) and o.strip()]
        if not inst["input"].strip() or not outputs:
            dropped += 1  # a row without input or output cannot be trained on or scored
            continue
        instances.append((inst["input"].strip(), outputs[0]))
    positives = []
    for i, ex in enumerate(data.get("Positive Examples") or []):
        if isinstance(ex, dict) and isinstance(ex.get("input"), str) and isinstance(ex.get("output"), str):
            positives.append((ex["input"].strip(), ex["output"].strip()))
    languages = [strings(k, required=False) for k in ("Input_language", "Output_language", "Instruction_language")]
    english = all(lang == ["English"] for lang in languages if lang)
    name = os.path.splitext(os.path.basename(path))[0]
    return SuperNITask(name, path, definition, positives, instances, english,
                       strings("Categories", required=False), dropped)


def find_task_files(root: str) -> List[str]:
    """Task files under a natural-instructions checkout (its ``tasks/`` folder) or that folder itself,
    sorted by name so the random selection does not depend on directory order."""
    folder = os.path.join(root, "tasks") if os.path.isdir(os.path.join(root, "tasks")) else root
    if not os.path.isdir(folder):
        raise SuperNIError(f"{root}: not a folder")
    files = sorted(f for f in os.listdir(folder) if f.startswith("task") and f.endswith(".json"))
    if not files:
        raise SuperNIError(f"{folder}: no task*.json files (expected a natural-instructions checkout or its tasks/ folder)")
    return [os.path.join(folder, f) for f in files]


def format_input(task: SuperNITask, text: str, positives: int = 0) -> str:
    """The model input: the task definition, optional positive examples, then the instance
    (the "definition + examples" encoding of the SuperNI paper)."""
    parts = [f"Definition: {task.definition}"]
    for i, (inp, out) in enumerate(task.positive_examples[:positives], 1):
        parts.append(f"Positive Example {i}-\nInput: {inp}\nOutput: {out}")
    parts.append(f"Now complete the following example -\nInput: {text}\nOutput:")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Selection:
    """Which tasks go where: train_small is the first part of train_large (nested, so the 10-task
    and 100-task runs share tasks), unseen is disjoint from both."""

    train_small: List[str]
    train_large: List[str]
    unseen: List[str]


def select_tasks(counts: Dict[str, int], seed: int, n_small: int = 10, n_large: int = 100, n_unseen: int = 10,
                 train_examples: int = 1000, eval_examples: int = 100) -> Selection:
    """Chooses tasks at random (seeded): training tasks among those with at least train + eval
    usable instances, unseen tasks among the rest with at least eval instances.

    Raises:
        SuperNIError: when too few tasks qualify.
    """
    if n_small > n_large:
        raise SuperNIError(f"the small subset ({n_small}) cannot be larger than the large one ({n_large})")
    rng = random.Random(f"superni:{seed}")
    trainable = sorted(n for n, c in counts.items() if c >= train_examples + eval_examples)
    if len(trainable) < n_large:
        raise SuperNIError(f"only {len(trainable)} tasks have {train_examples + eval_examples} usable instances; "
                           f"{n_large} training tasks are needed")
    rng.shuffle(trainable)
    large = trainable[:n_large]
    chosen = set(large)
    rest = sorted(n for n, c in counts.items() if c >= eval_examples and n not in chosen)
    if len(rest) < n_unseen:
        raise SuperNIError(f"only {len(rest)} other tasks have {eval_examples} usable instances; {n_unseen} unseen "
                           f"tasks are needed")
    rng.shuffle(rest)
    return Selection(large[:n_small], large, rest[:n_unseen])


def split_instances(task: SuperNITask, seed: int, n_train: int, n_eval: int) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """Disjoint random training and evaluation instances of a task (seeded per task, so a task's
    split does not depend on which other tasks were chosen)."""
    if len(task.instances) < n_train + n_eval:
        raise SuperNIError(f"{task.path}: {len(task.instances)} usable instances, fewer than {n_train} + {n_eval}")
    order = list(range(len(task.instances)))
    random.Random(f"superni:{seed}:{task.name}").shuffle(order)
    # Evaluation rows first: the same seed gives the same evaluation rows whatever n_train is.
    eval_rows = [task.instances[i] for i in order[:n_eval]]
    train_rows = [task.instances[i] for i in order[n_eval:n_eval + n_train]]
    return train_rows, eval_rows


def rows(task: SuperNITask, pairs: Sequence[Tuple[str, str]], positives: int) -> List[Dict[str, object]]:
    out = []
    for inp, target in pairs:
        try:
            out.append(make_row(task.name, format_input(task, inp, positives), target))
        except TaskRowError as e:
            raise SuperNIError(f"{task.path}: {e}") from e
    return out
