"""Tests of .ci/check-dockerfile: the project's Dockerfile passes; broken copies fail with the
problem named."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CI = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CI)
CHECKER = os.path.join(CI, "check-dockerfile")


def run(dockerfile=None, root=ROOT):
    args = [sys.executable, CHECKER, "--root", root] + (["--dockerfile", dockerfile] if dockerfile else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


class CheckDockerfileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="check-dockerfile-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as f:
            self.original = f.read()

    def broken(self, old, new):
        """A copy of the real Dockerfile with one change, in a temporary folder."""
        self.assertIn(old, self.original)
        path = os.path.join(self.tmp, "Dockerfile")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.original.replace(old, new, 1))
        return path

    def assertFails(self, result, message):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(message, result.stderr)

    def test_the_project_dockerfile_passes(self):
        result = run()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("OK", result.stdout)

    def test_missing_copy_source_fails(self):
        path = self.broken("COPY --chown=routelab:routelab kernel/pom.xml kernel/",
                           "COPY --chown=routelab:routelab kernel/pom-missing.xml kernel/")
        self.assertFails(run(path), "COPY source 'kernel/pom-missing.xml' does not exist")

    def test_copy_source_excluded_by_dockerignore_fails(self):
        path = self.broken("COPY --chown=routelab:routelab pom.xml ./",
                           "COPY --chown=routelab:routelab pom.xml ./\nCOPY .dockerignore /tmp/")
        self.assertFails(run(path), "COPY source '.dockerignore' is excluded by .dockerignore")

    def test_undocumented_launcher_command_fails(self):
        path = self.broken("PYTORCH_FLAVOR=cpu ./routelab doctor", "PYTORCH_FLAVOR=cpu ./routelab selfcheck")
        self.assertFails(run(path), "'routelab selfcheck' is not a documented launcher command")

    def test_undocumented_subcommand_fails(self):
        path = self.broken("./routelab kernel install", "./routelab kernel run")
        self.assertFails(run(path), "'routelab kernel' takes install, not run")

    def test_missing_data_script_fails(self):
        path = self.broken("RUN ./routelab build", "RUN python3 data-scripts/fetch_everything.py t5-small \\\n && ./routelab build")
        self.assertFails(run(path), "uses 'data-scripts/fetch_everything.py', which does not exist")

    def test_missing_entrypoint_script_fails(self):
        path = self.broken("/opt/routelab/docker/entrypoint.sh", "/opt/routelab/docker/start.sh")
        self.assertFails(run(path), "uses 'docker/start.sh', which does not exist")

    def test_unterminated_continuation_and_missing_from_fail(self):
        path = os.path.join(self.tmp, "Dockerfile")
        with open(path, "w", encoding="utf-8") as f:
            f.write("RUN echo hi\nFROM scratch\nRUN echo \\\n")
        result = run(path)
        self.assertFails(result, "the first instruction after ARGs must be FROM")
        self.assertIn("the instruction never ends", result.stderr)


if __name__ == "__main__":
    unittest.main()
