#!/usr/bin/env python3
"""Export Super-NaturalInstructions subsets as RouteLab suites, in the OrchMoE paper's setup.

From a local checkout of the natural-instructions repository (its tasks/*.json), chooses with a seed
100 training tasks (the first 10 of them form the 10-task subset) and 10 further unseen tasks, and
writes two suite folders under --out:

    superni-10/   train.jsonl  10 tasks x 1000 training rows
                  test.jsonl   the same 10 tasks x 100 separate evaluation rows
                  heldout.jsonl 10 unseen tasks x 100 evaluation rows
                  suite.json   the selection, seed and source file of every task
    superni-100/  the same with the 100 training tasks

Runs offline once the checkout is there; Python standard library only. Example:

    git clone --depth 1 https://github.com/allenai/natural-instructions /data/raw/natural-instructions
    python3 data-scripts/export_superni.py /data/raw/natural-instructions --out /data/superni --seed 0
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from routelab_data import superni  # noqa: E402
from routelab_data.tasks import write_suite  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkout", help="natural-instructions checkout (or its tasks/ folder)")
    p.add_argument("--out", default="/data/superni", help="folder for the suites (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the task and example selection (default: 0)")
    p.add_argument("--small", type=int, default=10, help="training tasks of the small suite (default: 10)")
    p.add_argument("--large", type=int, default=100, help="training tasks of the large suite (default: 100)")
    p.add_argument("--unseen", type=int, default=10, help="unseen evaluation tasks (default: 10)")
    p.add_argument("--train-examples", type=int, default=1000, help="training rows per task (default: 1000)")
    p.add_argument("--eval-examples", type=int, default=100, help="evaluation rows per task (default: 100)")
    p.add_argument("--positives", type=int, default=0,
                   help="positive examples of the task shown in every input (default: 0, definition only)")
    p.add_argument("--all-languages", action="store_true",
                   help="also choose non-English tasks (default: English input, output and instructions only)")
    p.add_argument("--overwrite", action="store_true", help="replace existing suite folders")
    args = p.parse_args(argv)
    for n in ("small", "large", "unseen", "train_examples", "eval_examples"):
        if getattr(args, n) < 1:
            p.error(f"--{n.replace('_', '-')} must be >= 1, not {getattr(args, n)}")
    if args.positives < 0:
        p.error(f"--positives must be >= 0, not {args.positives}")
    return args


def main(argv=None):
    args = parse_args(argv)
    targets = {n: os.path.join(args.out, f"superni-{n}") for n in (args.small, args.large)}
    for folder in targets.values():
        if os.path.exists(folder) and not args.overwrite:
            raise SystemExit(f"export_superni: {folder} exists; pass --overwrite to replace it")
    try:
        files = superni.find_task_files(args.checkout)
        # First pass: usable instance counts only, so ~1600 files never sit in memory together.
        counts, paths = {}, {}
        for path in files:
            task = superni.read_task(path)
            if task.english or args.all_languages:
                counts[task.name] = len(task.instances)
                paths[task.name] = path
        print(f"export_superni: {len(counts)} candidate tasks of {len(files)}", file=sys.stderr)
        sel = superni.select_tasks(counts, args.seed, args.small, args.large, args.unseen,
                                   args.train_examples, args.eval_examples)
        loaded = {n: superni.read_task(paths[n]) for n in sel.train_large + sel.unseen}
        splits = {n: superni.split_instances(loaded[n], args.seed, args.train_examples, args.eval_examples)
                  for n in sel.train_large}
        heldout = [r for n in sel.unseen
                   for r in superni.rows(loaded[n], superni.split_instances(loaded[n], args.seed, 0,
                                                                             args.eval_examples)[1], args.positives)]
    except superni.SuperNIError as e:
        raise SystemExit(f"export_superni: {e}")
    for size, names in ((args.small, sel.train_small), (args.large, sel.train_large)):
        train = [r for n in names for r in superni.rows(loaded[n], splits[n][0], args.positives)]
        test = [r for n in names for r in superni.rows(loaded[n], splits[n][1], args.positives)]
        manifest = {
            "format": "routelab-suite/1",
            "suite": f"superni-{size}",
            "created_by": "data-scripts/export_superni.py",
            "setup": "OrchMoE: random training tasks with 1000 training and 100 separate evaluation examples each; "
                     "unseen tasks with 100 evaluation examples each; metrics exact match and Rouge",
            "options": {"seed": args.seed, "train_examples": args.train_examples, "eval_examples": args.eval_examples,
                        "positives": args.positives, "english_only": not args.all_languages},
            "files": {"train.jsonl": "training rows of the training tasks",
                      "test.jsonl": "evaluation rows of the training tasks (disjoint from train.jsonl)",
                      "heldout.jsonl": "evaluation rows of the unseen tasks"},
            "training": [_entry(loaded[n], args.checkout) for n in names],
            "heldout": [_entry(loaded[n], args.checkout) for n in sel.unseen],
        }
        write_suite(targets[size], train, heldout, manifest, extra_files={"test.jsonl": test}, overwrite=args.overwrite)
        print(f"export_superni: wrote {targets[size]}: {len(names)} training tasks ({len(train)} + {len(test)} rows), "
              f"{len(sel.unseen)} unseen tasks ({len(heldout)} rows)")


def _entry(task, checkout):
    return {"task": task.name, "source": os.path.relpath(task.path, checkout), "categories": task.categories,
            "usable_instances": len(task.instances)}


if __name__ == "__main__":
    main()
