import contextlib
import io
import json
import os

from tests.helpers import TempDirTestCase
from routelab_data import superni, tasks
import export_superni


def write_task(folder, name, n, language="English", definition="Answer the question.", blank=0):
    instances = [{"id": f"{name}-{i}", "input": f"{name} question {i}", "output": [f"answer {i}", "alt"]}
                 for i in range(n)]
    instances += [{"id": f"{name}-b{i}", "input": " ", "output": ["x"]} for i in range(blank)]
    data = {
        "Definition": [definition],
        "Categories": ["Question Answering"],
        "Input_language": [language], "Output_language": [language], "Instruction_language": ["English"],
        "Positive Examples": [{"input": "ex in", "output": "ex out", "explanation": "because"}],
        "Instances": instances,
    }
    with open(os.path.join(folder, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(data, f)


class SuperNITest(TempDirTestCase):
    def checkout(self):
        tasks_dir = self.path("ni", "tasks")
        os.makedirs(tasks_dir)
        for i in range(12):
            write_task(tasks_dir, f"task{i:03d}_big", 30)
        for i in range(12, 16):
            write_task(tasks_dir, f"task{i:03d}_small", 6)
        write_task(tasks_dir, "task100_french", 30, language="French")
        with open(os.path.join(tasks_dir, "README.md"), "w") as f:
            f.write("not a task")
        return self.path("ni")

    def test_read_task_drops_blank_instances_and_reads_languages(self):
        write_task(self.tmp, "task001_x", 3, blank=2)
        t = superni.read_task(self.path("task001_x.json"))
        self.assertEqual((t.name, len(t.instances), t.dropped_instances, t.english), ("task001_x", 3, 2, True))
        self.assertEqual(t.instances[0], ("task001_x question 0", "answer 0"))

    def test_malformed_files_are_named(self):
        with open(self.path("task002_bad.json"), "w") as f:
            json.dump({"Definition": ["d"], "Instances": [{"input": 1, "output": []}]}, f)
        with self.assertRaisesRegex(superni.SuperNIError, r"task002_bad.json: Instances\[0\] must be"):
            superni.read_task(self.path("task002_bad.json"))
        with open(self.path("task003_bad.json"), "w") as f:
            json.dump({"Instances": []}, f)
        with self.assertRaisesRegex(superni.SuperNIError, "task003_bad.json: missing field 'Definition'"):
            superni.read_task(self.path("task003_bad.json"))

    def test_selection_is_seeded_nested_and_disjoint(self):
        counts = {f"t{i:02d}": 1100 for i in range(30)}
        counts.update({f"u{i}": 100 for i in range(5)})
        a = superni.select_tasks(counts, seed=7, n_small=3, n_large=20, n_unseen=10)
        self.assertEqual(a, superni.select_tasks(counts, seed=7, n_small=3, n_large=20, n_unseen=10))
        self.assertNotEqual(a, superni.select_tasks(counts, seed=8, n_small=3, n_large=20, n_unseen=10))
        self.assertEqual(a.train_small, a.train_large[:3])
        self.assertFalse(set(a.unseen) & set(a.train_large))
        self.assertTrue(all(counts[n] >= 1100 for n in a.train_large))
        with self.assertRaisesRegex(superni.SuperNIError, "only 30 tasks have 1100 usable instances"):
            superni.select_tasks(counts, seed=0, n_large=31)

    def test_instance_split_is_disjoint_and_stable(self):
        write_task(self.tmp, "task001_x", 20)
        t = superni.read_task(self.path("task001_x.json"))
        train, ev = superni.split_instances(t, 0, 10, 5)
        self.assertEqual((len(train), len(ev)), (10, 5))
        self.assertFalse(set(train) & set(ev))
        self.assertEqual(ev, superni.split_instances(t, 0, 2, 5)[1])  # eval rows do not depend on n_train
        self.assertIn("Definition: Answer the question.", superni.format_input(t, "q"))
        self.assertIn("Positive Example 1-\nInput: ex in\nOutput: ex out", superni.format_input(t, "q", positives=1))

    def test_script_writes_both_suites(self):
        checkout = self.checkout()
        out = self.path("out")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            export_superni.main([checkout, "--out", out, "--small", "2", "--large", "5", "--unseen", "3",
                                 "--train-examples", "20", "--eval-examples", "5"])
        small = tasks.read_jsonl(os.path.join(out, "superni-2", "train.jsonl"))
        large_train = tasks.group_by_task(tasks.read_jsonl(os.path.join(out, "superni-5", "train.jsonl")))
        large_test = tasks.group_by_task(tasks.read_jsonl(os.path.join(out, "superni-5", "test.jsonl")))
        held = tasks.group_by_task(tasks.read_jsonl(os.path.join(out, "superni-5", "heldout.jsonl")))
        self.assertEqual(len(small), 2 * 20)
        self.assertEqual({len(v) for v in large_train.values()}, {20})
        self.assertEqual(set(large_train), set(large_test))
        self.assertEqual(len(held), 3)
        self.assertFalse(set(held) & set(large_train))
        self.assertNotIn("task100_french", set(held) | set(large_train))
        for name in large_train:  # training and evaluation rows of a task never overlap
            self.assertFalse({r["input"] for r in large_train[name]} & {r["input"] for r in large_test[name]})
        # The small suite's eval rows are the large suite's for the same task.
        self.assertEqual(tasks.read_jsonl(os.path.join(out, "superni-2", "test.jsonl")),
                         [r for name in tasks.group_by_task(small) for r in large_test[name]])
        with open(os.path.join(out, "superni-5", "suite.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual([e["task"] for e in manifest["training"]], list(large_train))
        self.assertEqual(manifest["options"]["seed"], 0)
        with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
            export_superni.main([checkout, "--out", out, "--small", "2", "--large", "5"])
        self.assertIn("exists; pass --overwrite", str(e.exception))
