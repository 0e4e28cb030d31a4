"""Poly and MHR adapters trained by the reference code (microsoft/mttl), converted into the adapter
folder RouteLab reads (PEFT's POLY layout, see ``org.routelab.interop.PeftAdapter``):

    adapter_config.json        peft_type POLY, r, n_tasks, n_skills, n_splits, poly_type "poly"
    adapter_model.safetensors  base_model.model.<module>.poly_lora_A      [q, S, d_in/q, r]
                               base_model.model.<module>.poly_lora_B      [q, S, r, d_out/q]
                               base_model.model.<module>.poly_router.module_logits  [T, q*S]
    task_names.json            the training tasks in router order

mttl's ``PolyLoRALinear`` keeps ``<module>.lora_a [q, S, d_in/q, r]`` and ``<module>.lora_b
[q, S, r, d_out/q]`` and its selector ``<module>.selector.module_logits [T, q*S]`` (a selector shared
by several modules appears under each of them in a state dict), and computes ``x A_tau B_tau *
lora_alpha / r``; RouteLab and PEFT compute ``x A_tau B_tau / r``, so ``lora_b`` is multiplied by
``lora_alpha``. Selector options that change the weights (``poly_average_correction``, L2-normalised
logits, a shared always-on skill) and warm-up (its step counter is not saved) are refused.

Module paths lose the wrapper prefix mttl adds (e.g. ``model.`` of its Lightning module): a path keeps
what starts at ``encoder.``/``decoder.`` (T5) or ``model.layers.`` (Llama family). Standard library only.
"""
from __future__ import annotations

import json
import os
import re
import struct
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from routelab_data import checkpoint as ck
from routelab_data.atomic import replace_dir, temp_dir_beside, write_json

LORA_A = ".lora_a"
LORA_B = ".lora_b"
LOGITS = ".selector.module_logits"
PEFT_PREFIX = "base_model.model."
# Where a Hugging Face module path starts inside a wrapper's state-dict key.
MODEL_PATH = re.compile(r"(?:^|\.)((?:encoder|decoder)\.block\.\d+\..*|model\.layers\.\d+\..*)$")
# mttl options that change the adapter's function in ways RouteLab does not compute, with their neutral value.
REFUSED = {
    "poly_average_correction": False,
    "module_logits_l2_norm": False,
    "poly_use_shared_skill": False,
    "lora_warmup": False,
}


class MttlError(ValueError):
    """A checkpoint or option that cannot be converted; the message names the file, key or option."""


def module_path(key: str, suffix: str) -> str:
    """The Hugging Face module path of a state-dict key ending in ``suffix``, wrapper prefix removed."""
    stem = key[: -len(suffix)]
    m = MODEL_PATH.search(stem)
    if not m:
        raise MttlError(f"tensor '{key}': cannot find a T5 (encoder./decoder.block.N.) or Llama (model.layers.N.) "
                        "module path in it")
    return m.group(1)


def read_floats(path: str, info: Mapping, name: str) -> List[float]:
    """A tensor's values as Python floats (F32, F16 or BF16)."""
    begin, end = info["data_offsets"]
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        f.seek(8 + n + begin)
        data = f.read(end - begin)
    dtype = info["dtype"]
    if dtype == "F32":
        return list(struct.unpack(f"<{len(data) // 4}f", data))
    if dtype == "F16":
        return list(struct.unpack(f"<{len(data) // 2}e", data))
    if dtype == "BF16":
        halves = struct.unpack(f"<{len(data) // 2}H", data)
        return list(struct.unpack(f"<{len(halves)}f", struct.pack(f"<{len(halves)}I", *[h << 16 for h in halves])))
    raise MttlError(f"{path}: tensor '{name}' has dtype {dtype}; expected F32, F16 or BF16")


def f32(values: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def check_options(hparams: Mapping, source: str) -> None:
    for key, neutral in REFUSED.items():
        if key in hparams and bool(hparams[key]) != neutral:
            raise MttlError(f"{source}: option '{key}' = {json.dumps(hparams[key])} changes the adapter's function in a "
                            "way RouteLab does not compute")
    adapter = hparams.get("adapter_type", "lora")
    if adapter not in (None, "lora"):
        raise MttlError(f"{source}: option 'adapter_type' = {json.dumps(adapter)}; only LoRA skills convert")


def convert(src: str, out: str, lora_alpha: float, task_names: Optional[Sequence[str]] = None,
            base_model: Optional[str] = None) -> Dict[str, object]:
    """Converts an mttl Poly/MHR state dict (a safetensors file) into an adapter folder at ``out``.

    Returns the written adapter_config.json content.

    Raises:
        MttlError: naming the file and tensor when shapes disagree or a module lacks a tensor.
    """
    try:
        header = ck.read_safetensors_header(src)
    except ck.CheckpointError as e:
        raise MttlError(str(e)) from e
    modules: Dict[str, Dict[str, str]] = {}
    for key in header:
        for suffix, role in ((LORA_A, "a"), (LORA_B, "b"), (LOGITS, "z")):
            if key.endswith(suffix):
                modules.setdefault(module_path(key, suffix), {})[role] = key
    if not modules:
        raise MttlError(f"{src}: no '*{LORA_A}', '*{LORA_B}' or '*{LOGITS}' tensors: not an mttl Poly/MHR checkpoint")
    shape: Optional[Tuple[int, int, int, int]] = None
    tensors: Dict[str, ck.TensorSource] = {}
    for path in sorted(modules):
        roles = modules[path]
        for role, suffix in (("a", LORA_A), ("b", LORA_B), ("z", LOGITS)):
            if role not in roles:
                raise MttlError(f"{src}: module '{path}' has no '{suffix[1:]}' tensor")
        a, b, z = (header[roles[r]]["shape"] for r in ("a", "b", "z"))
        if len(a) != 4 or len(b) != 4 or len(z) != 2:
            raise MttlError(f"{src}: module '{path}': lora_a {a}, lora_b {b}, module_logits {z}; expected "
                            "[q, S, d_in/q, r], [q, S, r, d_out/q] and [T, q*S] (LoRA skills)")
        q, skills, _, r = a
        tasks = z[0]
        if b[0] != q or b[1] != skills or b[2] != r or z[1] != q * skills:
            raise MttlError(f"{src}: module '{path}': lora_a {a}, lora_b {b} and module_logits {z} disagree on "
                            "heads, skills and rank")
        if shape is not None and shape != (q, skills, r, tasks):
            raise MttlError(f"{src}: module '{path}' has heads, skills, rank, tasks {(q, skills, r, tasks)}, "
                            f"others {shape}; one adapter folder needs equal ones")
        shape = (q, skills, r, tasks)
        scaled = [v * lora_alpha for v in read_floats(src, header[roles["b"]], roles["b"])]
        key = PEFT_PREFIX + path
        tensors[key + ".poly_lora_A"] = ("F32", a, (lambda k=roles["a"]: f32(read_floats(src, header[k], k))))
        tensors[key + ".poly_lora_B"] = ("F32", b, (lambda v=scaled: f32(v)))
        tensors[key + ".poly_router.module_logits"] = ("F32", z, (lambda k=roles["z"]: f32(read_floats(src, header[k], k))))
    q, skills, r, tasks = shape
    names = list(task_names) if task_names is not None else [f"task{t}" for t in range(tasks)]
    if len(names) != tasks:
        raise MttlError(f"{len(names)} task names given, the routers know {tasks} tasks")
    seq2seq = any(p.startswith(("encoder.", "decoder.")) for p in modules)
    config = {
        "peft_type": "POLY",
        "task_type": "SEQ_2_SEQ_LM" if seq2seq else "CAUSAL_LM",
        "base_model_name_or_path": base_model,
        "r": r,
        "n_tasks": tasks,
        "n_skills": skills,
        "n_splits": q,
        "poly_type": "poly",
        "target_modules": sorted({p.rsplit(".", 1)[-1] for p in modules}),
        "modules_to_save": None,
        "init_weights": True,
        "inference_mode": True,
    }
    tmp = temp_dir_beside(out)
    try:
        ck.write_safetensors(os.path.join(tmp, "adapter_model.safetensors"), tensors, {"format": "pt"})
        write_json(os.path.join(tmp, "task_names.json"), names)
        write_json(os.path.join(tmp, "adapter_config.json"), config)
        replace_dir(tmp, out)
    except BaseException:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return config


def task_names_from(value) -> List[str]:
    """Task names from a JSON list, or from mttl's ``task2id`` mapping (name -> id)."""
    if isinstance(value, list) and all(isinstance(n, str) for n in value):
        return list(value)
    if isinstance(value, dict) and all(isinstance(i, int) for i in value.values()):
        ordered = sorted(value.items(), key=lambda kv: kv[1])
        if [i for _, i in ordered] != list(range(len(ordered))):
            raise MttlError(f"task2id ids are not 0..{len(ordered) - 1}")
        return [n for n, _ in ordered]
    raise MttlError("task names must be a JSON list of names or a task2id object {name: id}")
