import json
import os
from types import SimpleNamespace

from tests.helpers import TempDirTestCase
from routelab_data import t0, tasks
from routelab_data.t0 import SkipExample


class FakeTemplate:
    """Renders like promptsource's Template: apply -> [prompt, target], choices from a function."""

    def __init__(self, name, prompt, target, choices=None, original_task=True, tuple_style=False):
        self.name = name
        self.metadata = SimpleNamespace(original_task=original_task)
        self._prompt, self._target, self._choices, self._tuple = prompt, target, choices, tuple_style

    def get_id(self):
        return "id-" + self.name

    def apply(self, ex):
        prompt, target = self._prompt(ex), self._target(ex)
        if self._tuple:
            return prompt, [target]
        return [prompt] if target is None else [prompt, target]

    def get_answer_choices_list(self, ex):
        return None if self._choices is None else self._choices(ex)


def nli_templates():
    labels = ["yes", "maybe", "no"]
    return [
        ("GPT-3 style", FakeTemplate("GPT-3 style", lambda e: f"{e['premise']} Question: {e['hypothesis']}?",
                                     lambda e: labels[e["label"]], lambda e: labels)),
        ("does it follow", FakeTemplate("does it follow", lambda e: f"Does '{e['hypothesis']}' follow?",
                                        lambda e: labels[e["label"]], lambda e: labels, tuple_style=True)),
        ("write a hypothesis", FakeTemplate("write a hypothesis", lambda e: f"Write something true: {e['premise']}",
                                            lambda e: e["hypothesis"], original_task=False)),
    ]


def nli_examples(n):
    return [{"premise": f"p{i}", "hypothesis": f"h{i}", "label": i % 3} for i in range(n)]


class RenderTest(TempDirTestCase):
    def test_normalizes_both_apply_shapes(self):
        self.assertEqual(t0.normalize_applied(["in ", " out"]), ("in", ["out"]))
        self.assertEqual(t0.normalize_applied(("in", ["a", "b"])), ("in", ["a", "b"]))
        for bad, reason in ((["in"], "empty target"), ([""], "empty prompt"), (["in", "  "], "empty target"),
                            ([], "rendered nothing")):
            with self.subTest(bad=bad), self.assertRaisesRegex(SkipExample, reason):
                t0.normalize_applied(bad)

    def test_heldout_rows_carry_choices_and_label(self):
        _, tpl = nli_templates()[0]
        row = t0.render("rte_x", tpl, {"premise": "p", "hypothesis": "h", "label": 2}, require_choices=True)
        self.assertEqual(row, {"task": "rte_x", "input": "p Question: h?", "target": "no",
                               "answer_choices": ["yes", "maybe", "no"], "label": 2})

    def test_training_rows_fall_back_to_generation_when_choices_do_not_fit(self):
        tpl = FakeTemplate("t", lambda e: "q", lambda e: "elsewhere", lambda e: ["a", "b"])
        self.assertEqual(t0.render("t", tpl, {}, require_choices=False), {"task": "t", "input": "q", "target": "elsewhere"})
        with self.assertRaisesRegex(SkipExample, "target not among answer choices"):
            t0.render("t", tpl, {}, require_choices=True)
        blank_choice = FakeTemplate("t", lambda e: "q", lambda e: "a", lambda e: ["a", ""])
        self.assertNotIn("answer_choices", t0.render("t", blank_choice, {}, require_choices=False))

    def test_template_errors_become_skips(self):
        tpl = FakeTemplate("t", lambda e: e["missing"], lambda e: "x")
        with self.assertRaisesRegex(SkipExample, "template error: KeyError"):
            t0.render("t", tpl, {}, require_choices=False)

    def test_task_names_are_sanitized_and_unique(self):
        names = t0.task_names("super_glue_rte", ["GPT-3 style", "GPT-3  style", "can we infer?"])
        self.assertEqual(list(names.values()),
                         ["super_glue_rte_GPT_3_style", "super_glue_rte_GPT_3_style_2", "super_glue_rte_can_we_infer"])

    def test_t0_cap(self):
        self.assertEqual(t0.t0_cap(1000, 10), 1000)
        self.assertEqual(t0.t0_cap(3_600_000, 9), 500_000 // 9)

    def test_collect_is_seeded_and_limited(self):
        _, tpl = nli_templates()[0]
        ex = nli_examples(50)
        a, _ = t0.collect("t", tpl, ex, 10, seed=1, require_choices=True)
        b, _ = t0.collect("t", tpl, ex, 10, seed=1, require_choices=True)
        c, _ = t0.collect("t", tpl, ex, 10, seed=2, require_choices=True)
        self.assertEqual(len(a), 10)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        everything, _ = t0.collect("t", tpl, ex, None, seed=1, require_choices=True)
        self.assertEqual([r["input"] for r in everything], [f"p{i} Question: h{i}?" for i in range(50)])


class ExportTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.loaded = []

    def templates_for(self, dataset, subset):
        return nli_templates()

    def examples_for(self, dataset, subset, split):
        self.loaded.append((dataset, subset, split))
        if dataset == "story_cloze":
            raise t0.SourceUnavailable("needs --story-cloze-dir")
        if dataset == "broken":
            raise ConnectionError("hub down")
        rows = nli_examples(40 if split == "train" else 36)
        rows[0] = dict(rows[0], hypothesis="")  # an example the generation template cannot use
        return rows

    def run_export(self, **options):
        train = [t0.TrainSource("glue", "mrpc", "paraphrase"), t0.TrainSource("imdb", None, "sentiment")]
        heldout = [h for h in t0.HELDOUT if h.key in ("rte", "story_cloze")]
        return t0.export(train, heldout, self.templates_for, self.examples_for, t0.ExportOptions(**options))

    def test_writes_a_suite_the_reader_accepts_with_sources_and_few_shot_sizes(self):
        training, heldout, manifest = self.run_export(max_train_per_task=5)
        folder = self.path("t0")
        tasks.write_suite(folder, training, heldout, manifest)
        train_rows = tasks.read_jsonl(os.path.join(folder, "train.jsonl"))
        held_rows = tasks.read_jsonl(os.path.join(folder, "heldout.jsonl"))
        self.assertEqual(len(train_rows), 2 * 3 * 5)  # 2 data sets x 3 templates x 5 rows
        # Held out: the original-task templates only, each on the whole validation split.
        self.assertEqual(sorted(tasks.group_by_task(held_rows)), ["rte_GPT_3_style", "rte_does_it_follow"])
        self.assertEqual(len(held_rows), 2 * 36)
        with open(os.path.join(folder, "suite.json"), encoding="utf-8") as f:
            m = json.load(f)
        self.assertEqual(m["few_shot"]["seeds"], [0, 1024, 42])
        self.assertEqual(m["few_shot"]["default_k"], 32)
        self.assertEqual(m["few_shot"]["k"], {"rte": 32, "story_cloze": 70})
        self.assertEqual(m["unavailable"], {"story_cloze/2016": "needs --story-cloze-dir"})
        entry = next(e for e in m["heldout"] if e["task"] == "rte_GPT_3_style")
        self.assertEqual((entry["source"], entry["template"], entry["split"], entry["k"], entry["template_id"]),
                         ("super_glue/rte", "GPT-3 style", "validation", 32, "id-GPT-3 style"))
        train_entry = next(e for e in m["training"] if e["task"] == "imdb_write_a_hypothesis")
        self.assertEqual((train_entry["source"], train_entry["split"], train_entry["examples"]), ("imdb", "train", 5))
        self.assertIn(("super_glue", "rte", "validation"), self.loaded)

    def test_dataset_granularity_makes_one_task_per_heldout_set(self):
        _, heldout, manifest = self.run_export(heldout_granularity="dataset")
        self.assertEqual(sorted(tasks.group_by_task(heldout)), ["rte"])
        self.assertEqual(manifest["heldout"][0]["template"], "(one per example)")

    def test_a_failing_data_set_stops_the_export_unless_skipping(self):
        broken = [t0.TrainSource("broken", None, "x"), t0.TrainSource("imdb", None, "sentiment")]
        with self.assertRaisesRegex(RuntimeError, "cannot load broken split 'train': ConnectionError: hub down"):
            t0.export(broken, [], self.templates_for, self.examples_for, t0.ExportOptions())
        training, _, manifest = t0.export(broken, [], self.templates_for, self.examples_for,
                                          t0.ExportOptions(skip_unavailable=True, max_train_per_task=2))
        self.assertEqual(manifest["unavailable"], {"broken": "ConnectionError: hub down"})
        self.assertEqual(len(training), 6)

    def test_catalog_matches_the_papers(self):
        self.assertEqual(len(t0.HELDOUT), 11)
        self.assertEqual({h.key: h.k for h in t0.HELDOUT if h.k != 32}, {"hellaswag": 20, "story_cloze": 70, "winogrande": 50})
        self.assertEqual(len(t0.TRAIN), 38)
        self.assertFalse({h.path for h in t0.HELDOUT} & {s.path for s in t0.TRAIN})


class ScriptTest(TempDirTestCase):
    """export_t0.py's main with fake promptsource and datasets modules."""

    def install_fakes(self):
        import sys
        import types

        calls = []
        promptsource = types.ModuleType("promptsource")
        templates_module = types.ModuleType("promptsource.templates")

        class DatasetTemplates:
            def __init__(self, dataset, subset=None):
                self.templates = dict(nli_templates())

            @property
            def all_template_names(self):
                return list(self.templates)

            def __getitem__(self, name):
                return self.templates[name]

        templates_module.DatasetTemplates = DatasetTemplates
        promptsource.templates = templates_module
        datasets = types.ModuleType("datasets")

        def load_dataset(path, name=None, split=None, **kwargs):
            calls.append((path, name, split, kwargs.get("trust_remote_code")))
            return nli_examples(40)

        datasets.load_dataset = load_dataset
        for name, module in (("promptsource", promptsource), ("promptsource.templates", templates_module),
                             ("datasets", datasets)):
            saved = sys.modules.get(name)
            sys.modules[name] = module
            self.addCleanup(lambda n=name, s=saved: sys.modules.pop(n) if s is None else sys.modules.__setitem__(n, s))
        return calls

    def test_writes_the_suite_and_honours_aliases_and_selections(self):
        import contextlib
        import io
        import export_t0

        calls = self.install_fakes()
        out = self.path("t0")
        with contextlib.redirect_stdout(io.StringIO()) as stdout, contextlib.redirect_stderr(io.StringIO()):
            export_t0.main(["--out", out, "--train", "glue/mrpc", "--heldout", "rte,story_cloze",
                            "--max-train-per-task", "3", "--hf-alias", "super_glue=aps/super_glue"])
        self.assertIn("3 training tasks (9 rows), 2 held-out tasks (80 rows)", stdout.getvalue())
        self.assertEqual(calls, [("glue", "mrpc", "train", True), ("aps/super_glue", "rte", "validation", True)])
        with open(os.path.join(out, "suite.json"), encoding="utf-8") as f:
            self.assertIn("story_cloze/2016", json.load(f)["unavailable"])
        with self.assertRaises(SystemExit) as e:
            export_t0.main(["--out", out, "--heldout", "nope"])
        self.assertIn("unknown held-out key(s) ['nope']", str(e.exception))
