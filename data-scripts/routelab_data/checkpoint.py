"""Hugging Face checkpoint folders in the layout RouteLab's loader reads:

    config.json
    model.safetensors                 or  model.safetensors.index.json + model-0000i-of-0000n.safetensors
    tokenizer.json

This module decides what to download from a repository's file list, converts PyTorch pickle
weights (``pytorch_model.bin`` or its shards) to safetensors with a streaming writer, and checks a
finished folder. Loading the pickles needs torch; the caller passes the loader in, so everything
here runs with the standard library.
"""
from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

CONFIG = "config.json"
TOKENIZER = "tokenizer.json"
SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
PICKLE = "pytorch_model.bin"
PICKLE_INDEX = "pytorch_model.bin.index.json"
# Small files worth keeping next to the weights (generation defaults, the tokenizer's settings).
OPTIONAL_FILES = ("generation_config.json", "tokenizer_config.json", "special_tokens_map.json")

# Checkpoints the project uses, by the name users type: (Hub repository, folder name under /models).
# Folder names match the library's backbone preset names where there is one.
KNOWN: Dict[str, Tuple[str, str]] = {
    "t5-small": ("google-t5/t5-small", "t5-small"),
    "google/t5-xl-lm-adapt": ("google/t5-xl-lm-adapt", "t5-xl-lm-adapt"),
    "bigscience/T0_3B": ("bigscience/T0_3B", "t0-3b"),
    "google/flan-t5-base": ("google/flan-t5-base", "flan-t5-base"),
    "Qwen/Qwen2-0.5B": ("Qwen/Qwen2-0.5B", "qwen2-0.5b"),
    "TinyLlama/TinyLlama-1.1B-Chat-v1.0": ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "tinyllama-1.1b-chat"),
}

# torch dtype names -> safetensors dtype codes (the element sizes the format requires).
TORCH_DTYPES: Dict[str, Tuple[str, int]] = {
    "torch.float64": ("F64", 8), "torch.float32": ("F32", 4), "torch.float16": ("F16", 2),
    "torch.bfloat16": ("BF16", 2), "torch.int64": ("I64", 8), "torch.int32": ("I32", 4),
    "torch.int16": ("I16", 2), "torch.int8": ("I8", 1), "torch.uint8": ("U8", 1), "torch.bool": ("BOOL", 1),
    "torch.float8_e4m3fn": ("F8_E4M3", 1), "torch.float8_e5m2": ("F8_E5M2", 1),
}
DTYPE_SIZES = {code: size for code, size in TORCH_DTYPES.values()}
DTYPE_SIZES.update({"U16": 2, "U32": 4, "U64": 8})


class CheckpointError(ValueError):
    """A repository or folder that cannot become (or is not) a RouteLab checkpoint folder."""


def resolve_name(name: str) -> Tuple[str, str]:
    """(repository, folder name) for a known name or any ``owner/repo`` id (folder: its last part, lower case)."""
    if name in KNOWN:
        return KNOWN[name]
    for known, (repo, folder) in KNOWN.items():
        if name == repo:
            return repo, folder
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", name):
        raise CheckpointError(f"'{name}' is not a Hub repository id (owner/name); known names: {', '.join(KNOWN)}")
    return name, name.rsplit("/", 1)[-1].lower()


@dataclass
class Plan:
    """What to fetch from a repository and what to produce locally.

    weights: "safetensors", "safetensors-sharded", "pickle" or "pickle-sharded".
    download: repository files to download (weights and index, config, tokenizer and optional files).
    shards: weight files listed by the index (sharded layouts), in order.
    convert_weights: pickle weights that become safetensors.
    make_tokenizer: the repository has no tokenizer.json; it is produced from the slow tokenizer files.
    """

    weights: str
    download: List[str]
    shards: List[str] = field(default_factory=list)
    convert_weights: bool = False
    make_tokenizer: bool = False


def plan(repo: str, files: Iterable[str], index: Optional[Mapping] = None) -> Plan:
    """Decides the downloads from the repository's file list (top-level files only count).

    Safetensors are preferred, as the Hugging Face libraries do; pickles are converted. For a
    sharded layout pass the index JSON (downloaded first) to learn the shard names.

    Raises:
        CheckpointError: no config.json, or no usable weights (the message lists what is there).
    """
    top = sorted(f for f in files if "/" not in f)
    present = set(top)
    if CONFIG not in present:
        raise CheckpointError(f"{repo} has no {CONFIG}; files: {_listed(top)}")
    if SAFETENSORS in present:
        weights, download = "safetensors", [SAFETENSORS]
    elif SAFETENSORS_INDEX in present:
        weights, download = "safetensors-sharded", [SAFETENSORS_INDEX]
    elif PICKLE in present:
        weights, download = "pickle", [PICKLE]
    elif PICKLE_INDEX in present:
        weights, download = "pickle-sharded", [PICKLE_INDEX]
    else:
        raise CheckpointError(f"{repo} has no {SAFETENSORS}, {SAFETENSORS_INDEX}, {PICKLE} or {PICKLE_INDEX}; "
                              f"files: {_listed(top)}")
    shards: List[str] = []
    if weights.endswith("-sharded") and index is not None:
        shards = index_shards(index, download[0])
        missing = [s for s in shards if s not in present]
        if missing:
            raise CheckpointError(f"{repo}: {download[0]} lists shards the repository lacks: {_listed(missing)}")
        download += shards
    download = [CONFIG] + download + [f for f in OPTIONAL_FILES if f in present]
    make_tokenizer = TOKENIZER not in present
    if not make_tokenizer:
        download.append(TOKENIZER)
    return Plan(weights, download, shards, weights.startswith("pickle"), make_tokenizer)


def index_shards(index: Mapping, where: str = "index") -> List[str]:
    """Shard file names of an index's weight_map, in sorted order.

    Raises:
        CheckpointError: no weight_map object, or a value that is not a plain file name.
    """
    weight_map = index.get("weight_map") if isinstance(index, Mapping) else None
    if not isinstance(weight_map, Mapping) or not weight_map:
        raise CheckpointError(f"{where} has no \"weight_map\" object")
    for tensor, shard in weight_map.items():
        if not isinstance(shard, str) or not shard or "/" in shard or "\\" in shard or shard in (".", ".."):
            raise CheckpointError(f"{where} maps tensor '{tensor}' to {shard!r}, which is not a file name")
    return sorted(set(weight_map.values()))


def safetensors_shard_name(pickle_shard: str) -> str:
    """``pytorch_model-00001-of-00002.bin`` -> ``model-00001-of-00002.safetensors`` (the names
    Hugging Face gives safetensors shards)."""
    m = re.fullmatch(r"pytorch_model(-\d{5}-of-\d{5})\.bin", pickle_shard)
    if m:
        return f"model{m.group(1)}.safetensors"
    base = pickle_shard[:-4] if pickle_shard.endswith(".bin") else pickle_shard
    return base.replace("pytorch_model", "model") + ".safetensors"


def convert_index(index: Mapping) -> Dict:
    """The safetensors index for a pickle index: same tensors, shards renamed."""
    index_shards(index)
    out = {"metadata": dict(index.get("metadata") or {}),
           "weight_map": {t: safetensors_shard_name(s) for t, s in sorted(index["weight_map"].items())}}
    return out


# A tensor to write: dtype code, shape, and a function returning its raw little-endian bytes
# (called once, when its turn comes, so only one tensor's bytes are held at a time).
TensorSource = Tuple[str, Sequence[int], Callable[[], bytes]]


def write_safetensors(path: str, tensors: Mapping[str, TensorSource], metadata: Optional[Mapping[str, str]] = None) -> int:
    """Writes a safetensors file: an 8-byte little-endian header length, the JSON header (padded
    with spaces to a multiple of 8 so data starts aligned), then each tensor's bytes in name order.

    Returns the data size in bytes.

    Raises:
        CheckpointError: an unknown dtype, or bytes whose length does not match dtype and shape.
    """
    names = sorted(tensors)
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name in names:
        dtype, shape, _ = tensors[name]
        if dtype not in DTYPE_SIZES:
            raise CheckpointError(f"tensor '{name}': unknown safetensors dtype '{dtype}'")
        n = DTYPE_SIZES[dtype]
        for d in shape:
            n *= int(d)
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape], "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            begin, end = header[name]["data_offsets"]
            data = tensors[name][2]()
            if len(data) != end - begin:
                raise CheckpointError(f"tensor '{name}': {len(data)} bytes, but {tensors[name][0]} "
                                      f"{list(tensors[name][1])} needs {end - begin}")
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return offset


def read_safetensors_header(path: str) -> Dict[str, Dict]:
    """The tensors of a safetensors file (name -> dtype, shape, data_offsets), checked against the
    file size; ``__metadata__`` is left out.

    Raises:
        CheckpointError: naming the file and what is wrong.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(f"{path}: {size} bytes, fewer than the 8-byte header length")
        (n,) = struct.unpack("<Q", head)
        if n < 2 or n > 100_000_000 or 8 + n > size:
            raise CheckpointError(f"{path}: header length {n} is impossible for a file of {size} bytes")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: the header is not valid JSON: {e}") from e
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object")
    header.pop("__metadata__", None)
    data = size - 8 - n
    for name, info in header.items():
        try:
            begin, end = info["data_offsets"]
            expected = DTYPE_SIZES[info["dtype"]]
            for d in info["shape"]:
                expected *= d
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"{path}: tensor '{name}' has no valid dtype/shape/data_offsets") from e
        if not 0 <= begin <= end <= data or end - begin != expected:
            raise CheckpointError(f"{path}: tensor '{name}' has data_offsets [{begin}, {end}] that do not fit "
                                  f"{info['dtype']} {info['shape']} in {data} data bytes")
    return header


def torch_tensor_source(tensor) -> TensorSource:
    """A TensorSource for a torch tensor (duck-typed: ``dtype``, ``shape``, ``contiguous``, ``view``...)."""
    key = str(tensor.dtype)
    if key not in TORCH_DTYPES:
        raise CheckpointError(f"no safetensors dtype for {key}")
    code = TORCH_DTYPES[key][0]

    def data() -> bytes:
        import torch  # only reached with real tensors

        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        if flat.numel() == 0:
            return b""
        # Reinterpret as bytes: works for every dtype, bfloat16 included (numpy has none).
        return flat.view(torch.uint8).numpy().tobytes()

    return code, tuple(int(d) for d in tensor.shape), data


def convert_pickle_file(src: str, dst: str, load: Callable[[str], Mapping[str, object]],
                        source: Callable[[object], TensorSource] = torch_tensor_source) -> List[str]:
    """Converts one pickle weight file to safetensors; returns the tensor names.

    Tensors that share storage (tied embeddings) are written under each of their names: the
    loader skips the aliases it does not use.
    """
    state = load(src)
    if not isinstance(state, Mapping) or not state:
        raise CheckpointError(f"{src}: expected a non-empty state dict of tensors")
    tensors = {name: source(t) for name, t in state.items()}
    write_safetensors(dst, tensors, {"format": "pt"})
    return sorted(tensors)


def convert_pickles(folder: str, load: Callable[[str], Mapping[str, object]],
                    source: Callable[[object], TensorSource] = torch_tensor_source) -> None:
    """Turns the pickle weights of a folder into safetensors in place, removing the pickles."""
    single = os.path.join(folder, PICKLE)
    index_path = os.path.join(folder, PICKLE_INDEX)
    if os.path.isfile(single):
        convert_pickle_file(single, os.path.join(folder, SAFETENSORS), load, source)
        os.remove(single)
        return
    if not os.path.isfile(index_path):
        raise CheckpointError(f"{folder}: no {PICKLE} or {PICKLE_INDEX} to convert")
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    new_index = convert_index(index)
    for shard in index_shards(index, index_path):
        names = convert_pickle_file(os.path.join(folder, shard), os.path.join(folder, safetensors_shard_name(shard)),
                                    load, source)
        listed = sorted(t for t, s in index["weight_map"].items() if s == shard)
        if names != listed:
            raise CheckpointError(f"{shard}: holds {len(names)} tensors, but {PICKLE_INDEX} lists {len(listed)} "
                                  f"for it (first differences: {_listed(sorted(set(names) ^ set(listed)))})")
        os.remove(os.path.join(folder, shard))
    with open(os.path.join(folder, SAFETENSORS_INDEX), "w", encoding="utf-8") as f:
        json.dump(new_index, f, indent=2)
        f.write("\n")
    os.remove(index_path)


def check_folder(folder: str) -> List[str]:
    """Checks a finished folder as RouteLab's loader would see it; returns the tensor names.

    Raises:
        CheckpointError: a missing or invalid config.json, tokenizer.json or weights, or a pickle
            left behind.
    """
    for name in (CONFIG, TOKENIZER):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise CheckpointError(f"{folder}: {name} is missing")
        try:
            with open(path, encoding="utf-8") as f:
                value = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: not valid JSON: {e}") from e
        if not isinstance(value, dict):
            raise CheckpointError(f"{path}: expected a JSON object")
    for pickle in (PICKLE, PICKLE_INDEX):
        if os.path.exists(os.path.join(folder, pickle)):
            raise CheckpointError(f"{folder}: {pickle} is still there (RouteLab reads safetensors only)")
    single = os.path.join(folder, SAFETENSORS)
    if os.path.isfile(single):
        return sorted(read_safetensors_header(single))
    index_path = os.path.join(folder, SAFETENSORS_INDEX)
    if not os.path.isfile(index_path):
        raise CheckpointError(f"{folder}: neither {SAFETENSORS} nor {SAFETENSORS_INDEX}")
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    names = []
    headers = {shard: read_safetensors_header(os.path.join(folder, shard)) for shard in index_shards(index, index_path)}
    for tensor, shard in sorted(index["weight_map"].items()):
        if tensor not in headers[shard]:
            raise CheckpointError(f"{index_path} maps tensor '{tensor}' to {shard}, which has no such tensor")
        names.append(tensor)
    return names


def _listed(items: Sequence[str], limit: int = 10) -> str:
    items = list(items)
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "") if items else "none"
