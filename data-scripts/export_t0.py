#!/usr/bin/env python3
"""Export the T0 benchmark as a RouteLab suite folder: the T0 training mixture (train.jsonl) and the
11 held-out evaluation sets (heldout.jsonl), one task per (dataset, promptsource template), plus
suite.json (few-shot sizes, seeds, and the source of every task).

Needs internet and the image's Python packages (datasets, promptsource). Examples:

    python3 data-scripts/export_t0.py --out /data/t0
    python3 data-scripts/export_t0.py --out /data/t0-small --max-train-per-task 100 --max-heldout-per-task 200
    python3 data-scripts/export_t0.py --out /data/t0-heldout --no-train --heldout rte,cb,copa
    python3 data-scripts/export_t0.py --out /data/t0 --story-cloze-dir /data/raw/story_cloze

StoryCloze is not downloadable (its authors hand it out on request); without --story-cloze-dir it is
left out and suite.json says so.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from routelab_data import t0  # noqa: E402
from routelab_data.tasks import write_suite  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Task format: see data-scripts/README.md.")
    p.add_argument("--out", default="/data/t0", help="suite folder to write (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing suite folder")
    p.add_argument("--max-train-per-task", type=int, default=1000,
                   help="rows per training task at most; 0 = T0's own cap (all, or 500k per data set spread over "
                        "its templates) (default: %(default)s)")
    p.add_argument("--max-heldout-per-task", type=int, default=0,
                   help="rows per held-out task at most; 0 = the whole evaluation split (default)")
    p.add_argument("--heldout-granularity", choices=("template", "dataset"), default="template",
                   help="a held-out task per (dataset, template) (default), or per data set with a random "
                        "original-task template per example")
    p.add_argument("--seed", type=int, default=0, help="seed of the example order and template draws (default: 0)")
    p.add_argument("--train", default="all",
                   help="training data sets, comma-separated dataset[/subset] names, or 'all' (default)")
    p.add_argument("--no-train", action="store_true", help="export no training tasks (a held-out-only suite "
                   "cannot be read by RouteLab's suite reader, which needs training tasks; the files still can)")
    p.add_argument("--heldout", default="all",
                   help="held-out sets, comma-separated keys (%s) or 'all' (default)" % ", ".join(h.key for h in t0.HELDOUT))
    p.add_argument("--story-cloze-dir", help="folder with the manually downloaded StoryCloze 2016 CSV files")
    p.add_argument("--hf-alias", action="append", default=[], metavar="NAME=REPO",
                   help="load data set NAME from Hub repository REPO (e.g. super_glue=aps/super_glue); repeatable")
    p.add_argument("--skip-unavailable", action="store_true",
                   help="leave out a data set that fails to load (recorded in suite.json) instead of failing")
    args = p.parse_args(argv)
    for n in ("max_train_per_task", "max_heldout_per_task"):
        if getattr(args, n) < 0:
            p.error(f"--{n.replace('_', '-')} must be >= 0, not {getattr(args, n)}")
    return args


def select(sources, spec, key, what):
    if spec == "all":
        return list(sources)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    known = {key(s): s for s in sources}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise SystemExit(f"export_t0: unknown {what} {unknown}; known: {sorted(known)}")
    return [known[w] for w in wanted]


def templates_for(dataset, subset):
    """promptsource's templates of a data set, sorted by name."""
    from promptsource.templates import DatasetTemplates

    templates = DatasetTemplates(dataset, subset)
    return [(name, templates[name]) for name in sorted(templates.all_template_names)]


def make_examples_for(aliases, story_cloze_dir):
    def examples_for(dataset, subset, split):
        import datasets

        kwargs = {}
        if dataset == "story_cloze":
            if not story_cloze_dir:
                raise t0.SourceUnavailable("StoryCloze needs its manual download: pass --story-cloze-dir")
            kwargs["data_dir"] = story_cloze_dir
        # trust_remote_code: several of these data sets are still loading scripts on the Hub.
        return datasets.load_dataset(aliases.get(dataset, dataset), subset, split=split, trust_remote_code=True,
                                     **kwargs)
    return examples_for


def main(argv=None):
    args = parse_args(argv)
    aliases = {}
    for a in args.hf_alias:
        name, sep, repo = a.partition("=")
        if not sep or not name or not repo:
            raise SystemExit(f"export_t0: --hf-alias needs NAME=REPO, not '{a}'")
        aliases[name] = repo
    train = [] if args.no_train else select(t0.TRAIN, args.train, lambda s: s.path, "training data set(s)")
    heldout = select(t0.HELDOUT, args.heldout, lambda s: s.key, "held-out key(s)")
    if os.path.exists(args.out) and not args.overwrite:
        raise SystemExit(f"export_t0: {args.out} exists; pass --overwrite to replace it")
    options = t0.ExportOptions(max_train_per_task=args.max_train_per_task,
                               max_heldout_per_task=args.max_heldout_per_task,
                               heldout_granularity=args.heldout_granularity, seed=args.seed,
                               skip_unavailable=args.skip_unavailable)
    training, held, manifest = t0.export(train, heldout, templates_for, make_examples_for(aliases, args.story_cloze_dir),
                                         options, log=lambda s: print(s, file=sys.stderr, flush=True))
    if not training and not held:
        raise SystemExit(f"export_t0: no rows were exported (unavailable: {manifest['unavailable']})")
    write_suite(args.out, training, held, manifest, overwrite=args.overwrite, require_training=bool(train))
    print(f"export_t0: wrote {args.out}: {len(manifest['training'])} training tasks ({len(training)} rows), "
          f"{len(manifest['heldout'])} held-out tasks ({len(held)} rows)"
          + (f"; unavailable: {sorted(manifest['unavailable'])}" if manifest["unavailable"] else ""))


if __name__ == "__main__":
    main()
