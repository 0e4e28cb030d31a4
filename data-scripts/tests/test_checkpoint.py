import contextlib
import io
import json
import os
import struct
import sys
import types

from tests.helpers import TempDirTestCase
from routelab_data import checkpoint as ck
from routelab_data.checkpoint import CheckpointError
import fetch_checkpoint


def fake_load(path):
    """A 'pickle' here is JSON: name -> [dtype code, shape, byte string as latin-1]."""
    with open(path, encoding="utf-8") as f:
        return {k: tuple(v) for k, v in json.load(f).items()}


def fake_source(t):
    dtype, shape, data = t
    return dtype, shape, lambda: data.encode("latin-1")


def write_fake_pickle(path, tensors):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({k: [d, s, b.decode("latin-1")] for k, (d, s, b) in tensors.items()}, f)


F32_2x2 = ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))
BF16_3 = ("BF16", [3], b"\x80\x3f\x00\x40\x40\x40")


class PlanTest(TempDirTestCase):
    def test_prefers_safetensors_and_keeps_tokenizer_and_small_files(self):
        p = ck.plan("r", ["config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
                          "generation_config.json", "onnx/model.onnx", "README.md"])
        self.assertEqual((p.weights, p.convert_weights, p.make_tokenizer), ("safetensors", False, False))
        self.assertEqual(p.download, ["config.json", "model.safetensors", "generation_config.json", "tokenizer.json"])

    def test_pickle_only_old_t5_needs_both_conversions(self):
        p = ck.plan("google/t5-xl-lm-adapt", ["config.json", "pytorch_model.bin", "spiece.model", "tf_model.h5"])
        self.assertEqual((p.weights, p.convert_weights, p.make_tokenizer), ("pickle", True, True))
        self.assertEqual(p.download, ["config.json", "pytorch_model.bin"])

    def test_sharded_layouts_list_their_shards_from_the_index(self):
        files = ["config.json", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin",
                 "pytorch_model-00002-of-00002.bin", "tokenizer.json"]
        index = {"weight_map": {"a": "pytorch_model-00001-of-00002.bin", "b": "pytorch_model-00002-of-00002.bin",
                                "c": "pytorch_model-00002-of-00002.bin"}}
        p = ck.plan("r", files, index)
        self.assertEqual(p.weights, "pickle-sharded")
        self.assertEqual(p.shards, ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"])
        self.assertEqual(p.download[:4], ["config.json", "pytorch_model.bin.index.json"] + p.shards)
        with self.assertRaisesRegex(CheckpointError, "lists shards the repository lacks: pytorch_model-00002"):
            ck.plan("r", files[:3], index)

    def test_errors_name_the_repository_and_its_files(self):
        with self.assertRaisesRegex(CheckpointError, "r has no config.json; files: model.safetensors"):
            ck.plan("r", ["model.safetensors"])
        with self.assertRaisesRegex(CheckpointError, "r has no model.safetensors.*files: config.json, flax_model.msgpack"):
            ck.plan("r", ["config.json", "flax_model.msgpack"])
        with self.assertRaisesRegex(CheckpointError, "not a file name"):
            ck.index_shards({"weight_map": {"a": "../x.safetensors"}})

    def test_names(self):
        self.assertEqual(ck.resolve_name("bigscience/T0_3B"), ("bigscience/T0_3B", "t0-3b"))
        self.assertEqual(ck.resolve_name("google-t5/t5-small"), ("google-t5/t5-small", "t5-small"))
        self.assertEqual(ck.resolve_name("someone/My-Model"), ("someone/My-Model", "my-model"))
        with self.assertRaisesRegex(CheckpointError, "not a Hub repository id"):
            ck.resolve_name("../etc")
        self.assertEqual(ck.safetensors_shard_name("pytorch_model-00003-of-00010.bin"), "model-00003-of-00010.safetensors")


class SafetensorsTest(TempDirTestCase):
    def test_layout_is_header_length_aligned_json_then_data_in_name_order(self):
        path = self.path("m.safetensors")
        size = ck.write_safetensors(path, {"w": (F32_2x2[0], F32_2x2[1], lambda: F32_2x2[2]),
                                           "b": (BF16_3[0], BF16_3[1], lambda: BF16_3[2])}, {"format": "pt"})
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        self.assertEqual(n % 8, 0)
        header = json.loads(data[8:8 + n])
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertEqual(header["b"], {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]})
        self.assertEqual(header["w"], {"dtype": "F32", "shape": [2, 2], "data_offsets": [6, 22]})
        self.assertEqual(data[8 + n:], BF16_3[2] + F32_2x2[2])
        self.assertEqual(size, 22)
        self.assertEqual(sorted(ck.read_safetensors_header(path)), ["b", "w"])

    def test_byte_count_mismatch_and_bad_files_are_errors(self):
        with self.assertRaisesRegex(CheckpointError, r"tensor 'w': 3 bytes, but F32 \[1\] needs 4"):
            ck.write_safetensors(self.path("x"), {"w": ("F32", [1], lambda: b"abc")})
        with self.assertRaisesRegex(CheckpointError, "unknown safetensors dtype 'F3'"):
            ck.write_safetensors(self.path("x"), {"w": ("F3", [1], lambda: b"abcd")})
        with open(self.path("bad"), "wb") as f:
            f.write(struct.pack("<Q", 1000) + b"{}")
        with self.assertRaisesRegex(CheckpointError, "header length 1000 is impossible"):
            ck.read_safetensors_header(self.path("bad"))

    def test_torch_dtype_table_covers_the_checkpoint_dtypes(self):
        for name in ("torch.float32", "torch.float16", "torch.bfloat16", "torch.int64"):
            self.assertIn(name, ck.TORCH_DTYPES)
        with self.assertRaisesRegex(CheckpointError, "no safetensors dtype for torch.complex64"):
            ck.torch_tensor_source(types.SimpleNamespace(dtype="torch.complex64", shape=(1,)))


class ConvertTest(TempDirTestCase):
    def folder_with(self, files):
        folder = self.path("m")
        os.makedirs(folder)
        for name, content in files.items():
            if isinstance(content, dict) and "weight_map" not in content and name.endswith(".bin"):
                write_fake_pickle(os.path.join(folder, name), content)
            else:
                with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                    json.dump(content, f)
        return folder

    def test_single_pickle_becomes_model_safetensors(self):
        folder = self.folder_with({"config.json": {}, "tokenizer.json": {"model": {}},
                                   "pytorch_model.bin": {"shared.weight": F32_2x2, "encoder.embed_tokens.weight": F32_2x2}})
        ck.convert_pickles(folder, fake_load, fake_source)
        self.assertEqual(sorted(os.listdir(folder)), ["config.json", "model.safetensors", "tokenizer.json"])
        # Tied tensors keep every name the pickle had.
        self.assertEqual(ck.check_folder(folder), ["encoder.embed_tokens.weight", "shared.weight"])

    def test_sharded_pickles_become_shards_with_an_index(self):
        index = {"metadata": {"total_size": 22},
                 "weight_map": {"a": "pytorch_model-00001-of-00002.bin", "b": "pytorch_model-00002-of-00002.bin"}}
        folder = self.folder_with({"config.json": {}, "tokenizer.json": {}, "pytorch_model.bin.index.json": index,
                                   "pytorch_model-00001-of-00002.bin": {"a": F32_2x2},
                                   "pytorch_model-00002-of-00002.bin": {"b": BF16_3}})
        ck.convert_pickles(folder, fake_load, fake_source)
        self.assertEqual(sorted(os.listdir(folder)), ["config.json", "model-00001-of-00002.safetensors",
                                                      "model-00002-of-00002.safetensors",
                                                      "model.safetensors.index.json", "tokenizer.json"])
        with open(os.path.join(folder, "model.safetensors.index.json")) as f:
            self.assertEqual(json.load(f), {"metadata": {"total_size": 22},
                                            "weight_map": {"a": "model-00001-of-00002.safetensors",
                                                           "b": "model-00002-of-00002.safetensors"}})
        self.assertEqual(ck.check_folder(folder), ["a", "b"])

    def test_a_shard_that_disagrees_with_its_index_is_an_error(self):
        index = {"weight_map": {"a": "pytorch_model-00001-of-00001.bin"}}
        folder = self.folder_with({"pytorch_model.bin.index.json": index,
                                   "pytorch_model-00001-of-00001.bin": {"a": F32_2x2, "extra": F32_2x2}})
        with self.assertRaisesRegex(CheckpointError, "holds 2 tensors, but pytorch_model.bin.index.json lists 1.*extra"):
            ck.convert_pickles(folder, fake_load, fake_source)

    def test_check_folder_names_what_is_missing(self):
        folder = self.folder_with({"config.json": {}})
        with self.assertRaisesRegex(CheckpointError, "tokenizer.json is missing"):
            ck.check_folder(folder)
        with open(os.path.join(folder, "tokenizer.json"), "w") as f:
            f.write("{}")
        with self.assertRaisesRegex(CheckpointError, "neither model.safetensors nor model.safetensors.index.json"):
            ck.check_folder(folder)
        with open(os.path.join(folder, "pytorch_model.bin"), "w") as f:
            f.write("x")
        with self.assertRaisesRegex(CheckpointError, "pytorch_model.bin is still there"):
            ck.check_folder(folder)


class FetchTest(TempDirTestCase):
    """The whole fetch with a fake huggingface_hub: downloads, conversions, atomic rename."""

    def install_hub(self, repo_files, fail_on=None):
        hub = types.ModuleType("huggingface_hub")
        self.downloaded = []

        def list_repo_files(repo, revision=None):
            return sorted(repo_files)

        def hf_hub_download(repo, filename, revision=None, local_dir=None):
            if filename == fail_on:
                raise ConnectionError("connection reset")
            self.downloaded.append(filename)
            os.makedirs(os.path.join(local_dir, ".cache", "huggingface"), exist_ok=True)
            path = os.path.join(local_dir, filename)
            content = repo_files[filename]
            if filename.endswith(".bin"):
                write_fake_pickle(path, content)
            else:
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(content, f)
            return path

        hub.list_repo_files, hub.hf_hub_download = list_repo_files, hf_hub_download
        saved = sys.modules.get("huggingface_hub")
        sys.modules["huggingface_hub"] = hub
        self.addCleanup(lambda: sys.modules.pop("huggingface_hub") if saved is None
                        else sys.modules.__setitem__("huggingface_hub", saved))

    def make_tokenizer(self, repo, revision, folder):
        with open(os.path.join(folder, "tokenizer.json"), "w") as f:
            json.dump({"version": "1.0", "made_from": repo}, f)

    def test_old_t5_layout_ends_as_safetensors_with_tokenizer_json(self):
        self.install_hub({"config.json": {"model_type": "t5"}, "pytorch_model.bin": {"shared.weight": F32_2x2},
                          "spiece.model": "binary", "README.md": "x"})
        target = self.path("models", "t5-xl-lm-adapt")
        fetch_checkpoint.fetch("google/t5-xl-lm-adapt", target, log=lambda s: None, load=fake_load, source=fake_source,
                               make_tokenizer=self.make_tokenizer)
        self.assertEqual(sorted(os.listdir(target)), ["config.json", "model.safetensors", "tokenizer.json"])
        self.assertEqual(self.downloaded, ["config.json", "pytorch_model.bin"])
        self.assertEqual(os.listdir(self.path("models")), ["t5-xl-lm-adapt"])

    def test_a_failed_download_leaves_nothing_behind(self):
        self.install_hub({"config.json": {}, "model.safetensors": {}, "tokenizer.json": {}}, fail_on="model.safetensors")
        with self.assertRaises(ConnectionError):
            fetch_checkpoint.fetch("r/x", self.path("models", "x"), log=lambda s: None)
        self.assertEqual(os.listdir(self.path("models")), [])

    def test_command_line_refuses_to_overwrite(self):
        os.makedirs(self.path("models", "t5-small"))
        with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
            fetch_checkpoint.main(["t5-small", "--out", self.path("models")])
        self.assertIn("exists; pass --overwrite", str(e.exception))
