import contextlib
import io
import json
import os
import random
import struct

from tests.helpers import TempDirTestCase
import convert_mttl


def write_safetensors_by_hand(path, tensors):
    """The documented format: u64 little-endian header size, a JSON header, the data (here F32 or BF16)."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        if dtype == "F32":
            data = struct.pack(f"<{len(values)}f", *values)
        else:  # BF16: the upper half of each float32
            data = b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:] for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_tensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32"
        out[name] = (info["shape"], list(struct.unpack(f"<{(end - begin) // 4}f", data[begin:end])))
    return out


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class ConvertMttlTest(TempDirTestCase):
    Q, S, R, T = 2, 3, 1, 4
    MODULES = {"encoder.block.0.layer.0.SelfAttention.q": (8, 8), "decoder.block.1.layer.2.DenseReluDense.wo": (16, 8)}

    def fixture(self, dtype="F32", extra=None):
        """An mttl state dict as its Lightning module names it: 'model.' + the T5 path; one selector shared by
        both modules (a state dict lists it under each); the frozen base weights too."""
        rng = random.Random(0)
        logits = [round(rng.uniform(-1, 1), 3) for _ in range(self.T * self.Q * self.S)]
        tensors = {}
        for path, (d_in, d_out) in self.MODULES.items():
            a = [self.Q, self.S, d_in // self.Q, self.R]
            b = [self.Q, self.S, self.R, d_out // self.Q]
            tensors[f"model.{path}.lora_a"] = (dtype, a, [round(rng.uniform(-1, 1), 2) for _ in range(numel(a))])
            tensors[f"model.{path}.lora_b"] = (dtype, b, [round(rng.uniform(-1, 1), 2) for _ in range(numel(b))])
            tensors[f"model.{path}.selector.module_logits"] = ("F32", [self.T, self.Q * self.S], logits)
            tensors[f"model.{path}.weight"] = ("F32", [d_out, d_in], [0.0] * (d_in * d_out))
        tensors.update(extra or {})
        src = self.path("poly.safetensors")
        write_safetensors_by_hand(src, tensors)
        return src, tensors

    def run_main(self, *args):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = convert_mttl.main(list(args))
        return code, err.getvalue()

    def test_converts_to_peft_poly_with_alpha_folded_into_b(self):
        src, tensors = self.fixture()
        hparams = self.path("hparams.json")
        with open(hparams, "w") as f:
            json.dump({"lora_alpha": 4.0, "lora_rank": 1, "poly_average_correction": False,
                       "task2id": {"rte": 2, "copa": 0, "wic": 3, "cb": 1}}, f)
        out = self.path("adapter")
        code, err = self.run_main(src, "--hparams", hparams, "--out", out, "--base-model", "/models/t0-3b")
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "adapter_config.json")) as f:
            config = json.load(f)
        self.assertEqual((config["peft_type"], config["poly_type"], config["task_type"]), ("POLY", "poly", "SEQ_2_SEQ_LM"))
        self.assertEqual((config["r"], config["n_tasks"], config["n_skills"], config["n_splits"]), (1, 4, 3, 2))
        self.assertEqual(config["target_modules"], ["q", "wo"])
        with open(os.path.join(out, "task_names.json")) as f:
            self.assertEqual(json.load(f), ["copa", "cb", "rte", "wic"])
        got = read_tensors(os.path.join(out, "adapter_model.safetensors"))
        self.assertEqual(len(got), 3 * len(self.MODULES))
        for path in self.MODULES:
            key = "base_model.model." + path
            a_shape, a = got[key + ".poly_lora_A"]
            b_shape, b = got[key + ".poly_lora_B"]
            z_shape, z = got[key + ".poly_router.module_logits"]
            self.assertEqual(a_shape, tensors[f"model.{path}.lora_a"][1])
            self.assertEqual(b_shape, tensors[f"model.{path}.lora_b"][1])
            self.assertEqual(z_shape, [self.T, self.Q * self.S])
            for x, y in zip(a, tensors[f"model.{path}.lora_a"][2]):
                self.assertAlmostEqual(x, y, places=6)
            # mttl: x A B * alpha / r; RouteLab and PEFT: x A B / r, so B carries alpha.
            for x, y in zip(b, tensors[f"model.{path}.lora_b"][2]):
                self.assertAlmostEqual(x, 4.0 * y, places=5)
            for x, y in zip(z, tensors[f"model.{path}.selector.module_logits"][2]):
                self.assertAlmostEqual(x, y, places=6)

    def test_bf16_llama_paths_convert(self):
        rng = random.Random(1)
        tensors = {
            "model.model.layers.0.self_attn.q_proj.lora_a": ("BF16", [1, 2, 4, 2], [0.5, -1.0, 2.0, 0.25] * 4),
            "model.model.layers.0.self_attn.q_proj.lora_b": ("BF16", [1, 2, 2, 4], [1.5] * 16),
            "model.model.layers.0.self_attn.q_proj.selector.module_logits": ("F32", [1, 2], [rng.random(), 0.0]),
        }
        src = self.path("llama.safetensors")
        write_safetensors_by_hand(src, tensors)
        out = self.path("llama")
        code, err = self.run_main(src, "--lora-alpha", "2", "--out", out)
        self.assertEqual(code, 0, err)
        got = read_tensors(os.path.join(out, "adapter_model.safetensors"))
        self.assertEqual(got["base_model.model.model.layers.0.self_attn.q_proj.poly_lora_A"][1], [0.5, -1.0, 2.0, 0.25] * 4)
        self.assertEqual(got["base_model.model.model.layers.0.self_attn.q_proj.poly_lora_B"][1], [3.0] * 16)
        with open(os.path.join(out, "adapter_config.json")) as f:
            self.assertEqual(json.load(f)["task_type"], "CAUSAL_LM")

    def test_options_that_change_the_function_are_refused(self):
        src, _ = self.fixture()
        for option in ("poly_average_correction", "module_logits_l2_norm", "poly_use_shared_skill", "lora_warmup"):
            hparams = self.path(option + ".json")
            with open(hparams, "w") as f:
                json.dump({"lora_alpha": 1, option: True}, f)
            code, err = self.run_main(src, "--hparams", hparams, "--out", self.path("x"))
            self.assertEqual(code, 2)
            self.assertIn(option, err)
            self.assertFalse(os.path.exists(self.path("x")))

    def test_bad_checkpoints_name_the_module_or_file(self):
        src, _ = self.fixture(extra={"model.encoder.block.5.layer.0.SelfAttention.k.lora_a": ("F32", [2, 3, 4, 1], [0.0] * 24)})
        code, err = self.run_main(src, "--lora-alpha", "1", "--out", self.path("x"))
        self.assertEqual(code, 2)
        self.assertIn("encoder.block.5.layer.0.SelfAttention.k", err)
        self.assertIn("lora_b", err)
        code, err = self.run_main(self.fixture()[0], "--out", self.path("x"))
        self.assertEqual(code, 2)
        self.assertIn("lora_alpha", err)
        ia3 = self.path("ia3.safetensors")
        write_safetensors_by_hand(ia3, {
            "model.encoder.block.0.layer.0.SelfAttention.q.lora_a": ("F32", [3, 2, 4], [1.0] * 24),
            "model.encoder.block.0.layer.0.SelfAttention.q.lora_b": ("F32", [3, 2, 4], [1.0] * 24),
            "model.encoder.block.0.layer.0.SelfAttention.q.selector.module_logits": ("F32", [1, 6], [0.0] * 6)})
        code, err = self.run_main(ia3, "--lora-alpha", "1", "--out", self.path("x"))
        self.assertEqual(code, 2)
        self.assertIn("LoRA skills", err)
