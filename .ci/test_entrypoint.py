"""Tests of docker/entrypoint.sh: the natives flavour follows the GPUs the container sees."""
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRYPOINT = os.path.join(ROOT, "docker", "entrypoint.sh")


class EntrypointTest(unittest.TestCase):
    def setUp(self):
        self.bin = tempfile.mkdtemp(prefix="entrypoint-")
        self.addCleanup(shutil.rmtree, self.bin, True)

    def flavour(self, nvidia_smi=None, preset=None):
        """PYTORCH_FLAVOR as the command sees it, with a fake nvidia-smi script (or none) on PATH."""
        if nvidia_smi is not None:
            path = os.path.join(self.bin, "nvidia-smi")
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + nvidia_smi + "\n")
            os.chmod(path, 0o755)
        env = {"PATH": self.bin + ":/usr/bin:/bin"}
        if preset:
            env["PYTORCH_FLAVOR"] = preset
        out = subprocess.run([ENTRYPOINT, "sh", "-c", 'echo "$PYTORCH_FLAVOR"'], env=env, capture_output=True,
                             text=True, timeout=30, check=True)
        return out.stdout.strip()

    def test_cuda_natives_when_a_gpu_is_listed(self):
        self.assertEqual(self.flavour('echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1)"'), "cu128")

    def test_cpu_natives_without_nvidia_smi_or_when_it_fails(self):
        self.assertEqual(self.flavour(), "cpu")
        self.assertEqual(self.flavour('echo "NVIDIA-SMI has failed"; exit 9'), "cpu")
        self.assertEqual(self.flavour('echo "No devices were found"'), "cpu")

    def test_an_explicit_flavour_wins(self):
        self.assertEqual(self.flavour('echo "GPU 0: x"', preset="cpu"), "cpu")
