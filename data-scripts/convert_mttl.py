#!/usr/bin/env python3
"""Convert a Poly or MHR adapter trained by the reference code (microsoft/mttl) into the adapter folder
RouteLab reads (PEFT's POLY layout plus task_names.json), so the papers' own adapters are evaluated by
RouteLab's pipeline: give the folder as "adapters" in a run config, or Experiment.builder().adapters(DIR).

The input is the adapter's state dict as a safetensors file. mttl saves Lightning checkpoints (pickles),
which RouteLab never unpickles; convert one first where torch is installed:

    python3 -c "import torch, safetensors.torch as s; ck = torch.load('last.ckpt', weights_only=False);
    s.save_file({k: v.contiguous() for k, v in ck['state_dict'].items()}, 'poly.safetensors');
    import json; json.dump(ck['hyper_parameters'], open('hparams.json', 'w'), default=str)"

Examples:
    python3 data-scripts/convert_mttl.py poly.safetensors --hparams hparams.json --out adapters/mhr
    python3 data-scripts/convert_mttl.py poly.safetensors --lora-alpha 1 --task-names tasks.json --out adapters/poly
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from routelab_data import mttl  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("src", help="the mttl state dict, a .safetensors file")
    p.add_argument("--out", required=True, help="the adapter folder to write (replaced atomically)")
    p.add_argument("--hparams", help="mttl's hyper-parameters as JSON (lora_alpha, options, task2id)")
    p.add_argument("--lora-alpha", type=float, help="mttl's lora_alpha (scale lora_alpha / r); overrides --hparams")
    p.add_argument("--task-names", help="JSON file: a list of training task names, or task2id {name: id}")
    p.add_argument("--base-model", help="recorded as base_model_name_or_path")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        hparams = {}
        if args.hparams:
            with open(args.hparams, encoding="utf-8") as f:
                hparams = json.load(f)
            if not isinstance(hparams, dict):
                raise mttl.MttlError(f"{args.hparams}: expected a JSON object")
            mttl.check_options(hparams, args.hparams)
        alpha = args.lora_alpha if args.lora_alpha is not None else hparams.get("lora_alpha")
        if alpha is None:
            raise mttl.MttlError("mttl's lora_alpha is needed (--lora-alpha, or lora_alpha in --hparams): the adapter "
                                 "computes x A B * lora_alpha / r")
        names = None
        if args.task_names:
            with open(args.task_names, encoding="utf-8") as f:
                names = mttl.task_names_from(json.load(f))
        elif "task2id" in hparams:
            names = mttl.task_names_from(hparams["task2id"])
        config = mttl.convert(args.src, args.out, float(alpha), names, args.base_model)
    except (mttl.MttlError, OSError, json.JSONDecodeError) as e:
        print(f"convert_mttl: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {'MHR' if config['n_splits'] > 1 else 'Poly'} with {config['n_skills']} skills, "
          f"{config['n_splits']} heads, rank {config['r']}, {config['n_tasks']} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
