"""RouteLab task files: JSONL rows and suite folders, as ``org.routelab.data.JsonlTasks`` reads them.

One JSON object per line with exactly these keys:

* ``task``, ``input``, ``target``: non-blank strings;
* ``answer_choices`` (optional): at least two non-blank strings;
* ``label`` (optional, only with choices): index of the right choice; ``target`` must equal
  ``answer_choices[label]``.

A suite folder holds ``train.jsonl`` (training tasks; the order of first appearance gives the task
ids), ``heldout.jsonl`` when there are held-out tasks (names disjoint from the training ones) and,
from these scripts, ``suite.json`` describing where every task came from.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

from .atomic import replace_dir, temp_dir_beside, write_json

FIELDS = ("task", "input", "target", "answer_choices", "label")
TRAINING_FILE = "train.jsonl"
HELDOUT_FILE = "heldout.jsonl"
MANIFEST_FILE = "suite.json"


class TaskRowError(ValueError):
    """A row the Java reader would reject; the message names the field and value."""


def _is_blank(s: str) -> bool:
    # Python's notion of whitespace includes every character Java's String.isBlank skips, so a
    # row accepted here is never blank for the Java reader.
    return not s.strip()


def _check_text(field: str, value) -> str:
    if not isinstance(value, str):
        raise TaskRowError(f"field '{field}' must be a string, got {_abbreviate(value)}")
    if _is_blank(value):
        raise TaskRowError(f"field '{field}' is empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        # Lone surrogates from a data set cannot be written as UTF-8.
        raise TaskRowError(f"field '{field}' is not valid Unicode: {e.reason} at {e.start}") from e
    return value


def make_row(task: str, input: str, target: str, answer_choices: Optional[Sequence[str]] = None,
             label: Optional[int] = None) -> Dict[str, object]:
    """Builds a row, checked as the Java reader checks it.

    With answer choices and no label, the label is the first choice equal to the target (written
    explicitly, so duplicate choices stay valid).

    Raises:
        TaskRowError: naming the field and value at fault.
    """
    row: Dict[str, object] = {
        "task": _check_text("task", task),
        "input": _check_text("input", input),
        "target": _check_text("target", target),
    }
    if answer_choices is None:
        if label is not None:
            raise TaskRowError(f"label {label} given without answer_choices")
        return row
    if isinstance(answer_choices, str) or not isinstance(answer_choices, Sequence):
        raise TaskRowError(f"field 'answer_choices' must be a list of strings, got {_abbreviate(answer_choices)}")
    choices = list(answer_choices)
    if len(choices) < 2:
        raise TaskRowError(f"answer_choices needs at least 2 choices, got {len(choices)}: {_abbreviate(choices)}")
    for i, c in enumerate(choices):
        _check_text(f"answer_choices[{i}]", c)
    if label is None:
        if target not in choices:
            raise TaskRowError(f"target {_abbreviate(target)} is not among answer_choices {_abbreviate(choices)}")
        label = choices.index(target)
    if isinstance(label, bool) or not isinstance(label, int):
        raise TaskRowError(f"field 'label' must be an integer, got {_abbreviate(label)}")
    if not 0 <= label < len(choices):
        raise TaskRowError(f"label {label} is outside answer_choices (size {len(choices)})")
    if choices[label] != target:
        raise TaskRowError(f"target {_abbreviate(target)} differs from answer_choices[{label}] "
                           f"{_abbreviate(choices[label])}")
    row["answer_choices"] = choices
    row["label"] = label
    return row


def validate_row(obj: object) -> Dict[str, object]:
    """Checks a parsed JSON line as the Java reader does; returns it unchanged.

    Raises:
        TaskRowError: naming the field and value at fault.
    """
    if not isinstance(obj, dict):
        raise TaskRowError(f"expected a JSON object, got {_abbreviate(obj)}")
    for key in obj:
        if key not in FIELDS:
            raise TaskRowError(f"unknown field '{key}' (allowed: {', '.join(FIELDS)})")
    for key in ("task", "input", "target"):
        if obj.get(key) is None:
            raise TaskRowError(f"missing field '{key}'")
    choices = obj.get("answer_choices")
    label = obj.get("label")
    if choices is None and label is not None:
        raise TaskRowError(f"label {label} given without answer_choices")
    if choices is not None and not isinstance(choices, list):
        raise TaskRowError(f"field 'answer_choices' must be an array of strings, got {_abbreviate(choices)}")
    if choices is not None and label is None:
        # The Java reader then requires the target exactly once among the choices.
        if choices.count(obj["target"]) != 1:
            raise TaskRowError(f"no 'label', and the target {_abbreviate(obj['target'])} appears "
                               f"{'nowhere' if obj['target'] not in choices else 'more than once'} in answer_choices")
    make_row(obj["task"], obj["input"], obj["target"], choices, label)
    return obj


def dumps_row(row: Mapping[str, object]) -> str:
    """One JSONL line (without the newline): UTF-8 text, newlines inside strings escaped."""
    return json.dumps(row, ensure_ascii=False, separators=(", ", ": "))


def read_jsonl(path: str) -> List[Dict[str, object]]:
    """Reads and validates a task file; errors name the file and 1-based line."""
    rows = []
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(validate_row(json.loads(line)))
            except (ValueError, TaskRowError) as e:
                raise TaskRowError(f"{path}:{n}: {e}") from e
    if not rows:
        raise TaskRowError(f"{path}: no examples (the file is empty)")
    return rows


def group_by_task(rows: Iterable[Mapping[str, object]]) -> Dict[str, List[Mapping[str, object]]]:
    """Rows grouped by task, tasks in the order of their first row."""
    out: Dict[str, List[Mapping[str, object]]] = {}
    for r in rows:
        out.setdefault(str(r["task"]), []).append(r)
    return out


def write_jsonl(path: str, rows: Iterable[Mapping[str, object]]) -> int:
    """Writes rows, each validated, atomically (a temporary file renamed over ``path``).

    Returns the number of rows. Raises TaskRowError (naming the row) on an invalid row or none.
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for row in rows:
                count += 1
                try:
                    validate_row(dict(row))
                except TaskRowError as e:
                    raise TaskRowError(f"{path}: row {count}: {e}") from e
                f.write(dumps_row(row))
                f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        if count == 0:
            raise TaskRowError(f"{path}: no rows to write (an empty task file is invalid)")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return count


def write_suite(folder: str, training: Sequence[Mapping[str, object]], heldout: Sequence[Mapping[str, object]],
                manifest: Mapping[str, object], extra_files: Optional[Mapping[str, Sequence[Mapping[str, object]]]] = None,
                overwrite: bool = False, require_training: bool = True) -> None:
    """Writes a suite folder as a whole: into a temporary sibling folder, then renamed into place.

    Args:
        folder: the suite folder; it must not exist unless ``overwrite``.
        training: training rows (at least one, unless ``require_training`` is false: then a suite
            without training rows has no train.jsonl, which RouteLab's suite reader needs, though
            its files still read one by one).
        heldout: held-out rows (may be empty: then no heldout.jsonl is written).
        manifest: written as suite.json.
        extra_files: other JSONL files of the suite (e.g. same-task evaluation rows), name -> rows.
        overwrite: replace an existing folder.

    Raises:
        TaskRowError: on an invalid row, no training rows, or a held-out task that is also a
            training task (the Java suite reader rejects both).
        FileExistsError: if the folder exists and ``overwrite`` is false.
    """
    folder = os.path.abspath(folder)
    if os.path.exists(folder) and not overwrite:
        raise FileExistsError(f"{folder} exists; pass --overwrite to replace it")
    if not training and require_training:
        raise TaskRowError(f"{folder}: no training rows (a suite needs at least one training task)")
    overlap = set(group_by_task(training)) & set(group_by_task(heldout))
    if overlap:
        raise TaskRowError(f"{folder}: held-out task(s) also in training: {sorted(overlap)[:10]}")
    tmp = temp_dir_beside(folder)
    try:
        if training:
            write_jsonl(os.path.join(tmp, TRAINING_FILE), _task_ordered(training))
        if heldout:
            write_jsonl(os.path.join(tmp, HELDOUT_FILE), _task_ordered(heldout))
        for name, rows in (extra_files or {}).items():
            write_jsonl(os.path.join(tmp, name), _task_ordered(rows))
        write_json(os.path.join(tmp, MANIFEST_FILE), manifest)
        replace_dir(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _task_ordered(rows: Sequence[Mapping[str, object]]) -> List[Mapping[str, object]]:
    # Rows of a task together, tasks in first-appearance order: task ids stay as given, and the
    # file reads naturally.
    return [r for task_rows in group_by_task(rows).values() for r in task_rows]


def _abbreviate(value: object) -> str:
    s = json.dumps(value, ensure_ascii=False, default=repr)
    return s if len(s) <= 60 else s[:57] + "..."
