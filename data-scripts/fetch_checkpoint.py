#!/usr/bin/env python3
"""Download a Hugging Face checkpoint into /models/<name> in the layout RouteLab's loader reads:
config.json, model.safetensors (or model.safetensors.index.json and its shards), tokenizer.json.

A repository with only PyTorch pickles (pytorch_model.bin or shards) is converted to safetensors; one
without tokenizer.json (older T5 with only spiece.model) gets one from transformers' fast tokenizer.
The folder appears only when complete (built in a temporary folder beside it, then renamed).

Known names (folder under --out in brackets):
  t5-small [t5-small], google/t5-xl-lm-adapt [t5-xl-lm-adapt], bigscience/T0_3B [t0-3b],
  google/flan-t5-base [flan-t5-base], Qwen/Qwen2-0.5B [qwen2-0.5b],
  TinyLlama/TinyLlama-1.1B-Chat-v1.0 [tinyllama-1.1b-chat]
Any other owner/name repository works too (folder: its name in lower case).

Examples:
    python3 data-scripts/fetch_checkpoint.py t5-small
    python3 data-scripts/fetch_checkpoint.py bigscience/T0_3B --out /models
    python3 data-scripts/fetch_checkpoint.py --list
Gated repositories need a token: HF_TOKEN=... in the environment.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from routelab_data import checkpoint as ck  # noqa: E402
from routelab_data.atomic import replace_dir, temp_dir_beside  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("name", nargs="?", help="a known name or a Hub repository id (owner/name)")
    p.add_argument("--out", default="/models", help="models folder (default: %(default)s)")
    p.add_argument("--folder", help="folder name under --out (default: see the list of known names)")
    p.add_argument("--revision", default=None, help="branch, tag or commit (default: the main branch)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model folder")
    p.add_argument("--list", action="store_true", help="list the known names and exit")
    args = p.parse_args(argv)
    if not args.list and not args.name:
        p.error("a checkpoint name is needed (or --list)")
    return args


def fetch(repo: str, target: str, revision=None, log=print, load=None, source=None, make_tokenizer=None) -> None:
    """Downloads and converts into a temporary folder beside ``target``, checks it, then renames it.

    load, source, make_tokenizer: the pickle loader, the tensor-to-bytes view and the tokenizer.json
    maker (default: torch and transformers; tests pass fakes).
    """
    from huggingface_hub import hf_hub_download, list_repo_files

    load = load or _torch_load
    source = source or ck.torch_tensor_source
    make_tokenizer = make_tokenizer or _make_tokenizer_json

    tmp = temp_dir_beside(target)
    try:
        files = list_repo_files(repo, revision=revision)
        plan = ck.plan(repo, files)
        index = None
        if plan.weights.endswith("-sharded"):
            # The index names the shards, so fetch it first and plan again.
            index_file = ck.SAFETENSORS_INDEX if plan.weights == "safetensors-sharded" else ck.PICKLE_INDEX
            with open(hf_hub_download(repo, index_file, revision=revision, local_dir=tmp), encoding="utf-8") as f:
                index = json.load(f)
            plan = ck.plan(repo, files, index)
        log(f"fetch_checkpoint: {repo}: {plan.weights} weights; downloading {', '.join(plan.download)}")
        for name in plan.download:
            hf_hub_download(repo, name, revision=revision, local_dir=tmp)
        if plan.convert_weights:
            log("fetch_checkpoint: converting PyTorch pickle weights to safetensors")
            ck.convert_pickles(tmp, load, source)
        if plan.make_tokenizer:
            log("fetch_checkpoint: no tokenizer.json in the repository; making one with the fast tokenizer")
            make_tokenizer(repo, revision, tmp)
        # huggingface_hub keeps download metadata inside local_dir; it is no part of the layout.
        shutil.rmtree(os.path.join(tmp, ".cache"), ignore_errors=True)
        tensors = ck.check_folder(tmp)
        replace_dir(tmp, target)
        log(f"fetch_checkpoint: wrote {target} ({len(tensors)} tensors)")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _torch_load(path):
    import torch

    # weights_only: tensors and plain containers only, never arbitrary pickled code.
    return torch.load(path, map_location="cpu", weights_only=True)


def _make_tokenizer_json(repo, revision, folder):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(repo, revision=revision, use_fast=True)
    if not getattr(tokenizer, "is_fast", False):
        raise ck.CheckpointError(f"{repo}: transformers has no fast tokenizer for it, so no tokenizer.json can be made")
    saved = os.path.join(folder, ".tokenizer")
    tokenizer.save_pretrained(saved)
    made = os.path.join(saved, ck.TOKENIZER)
    if not os.path.isfile(made):
        raise ck.CheckpointError(f"{repo}: the fast tokenizer's save_pretrained wrote no {ck.TOKENIZER}")
    shutil.copyfile(made, os.path.join(folder, ck.TOKENIZER))
    # Its settings files too, unless the repository had its own.
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        if os.path.isfile(os.path.join(saved, name)) and not os.path.exists(os.path.join(folder, name)):
            shutil.copyfile(os.path.join(saved, name), os.path.join(folder, name))
    shutil.rmtree(saved)


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for name, (repo, folder) in ck.KNOWN.items():
            print(f"{name:40} {repo:40} -> {os.path.join(args.out, folder)}")
        return
    try:
        repo, folder = ck.resolve_name(args.name)
    except ck.CheckpointError as e:
        raise SystemExit(f"fetch_checkpoint: {e}")
    target = os.path.join(args.out, args.folder or folder)
    if os.path.exists(target) and not args.overwrite:
        raise SystemExit(f"fetch_checkpoint: {target} exists; pass --overwrite to replace it")
    try:
        fetch(repo, target, args.revision, log=lambda s: print(s, file=sys.stderr, flush=True))
    except ck.CheckpointError as e:
        raise SystemExit(f"fetch_checkpoint: {e}")


if __name__ == "__main__":
    main()
