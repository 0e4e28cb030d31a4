import json
import os

from tests.helpers import TempDirTestCase
from routelab_data import tasks
from routelab_data.tasks import TaskRowError, make_row, validate_row


class MakeRowTest(TempDirTestCase):
    def test_plain_row_has_the_three_text_fields(self):
        self.assertEqual(make_row("t", "in", "out"), {"task": "t", "input": "in", "target": "out"})

    def test_label_is_the_first_choice_equal_to_the_target(self):
        row = make_row("t", "in", "yes", ["no", "yes", "yes"])
        self.assertEqual(row["label"], 1)
        self.assertEqual(row["answer_choices"], ["no", "yes", "yes"])
        validate_row(row)  # duplicates are fine once the label is explicit

    def test_rejects_what_the_java_reader_rejects(self):
        cases = [
            (("t", "   ", "x"), "field 'input' is empty"),
            (("", "i", "x"), "field 'task' is empty"),
            (("t", "i", 3), "field 'target' must be a string, got 3"),
            (("t", "i", "x", ["x"]), "at least 2 choices"),
            (("t", "i", "x", ["x", " "]), "answer_choices[1]"),
            (("t", "i", "x", ["a", "b"]), "not among answer_choices"),
            (("t", "i", "x", ["x", "b"], 1), "differs from answer_choices[1]"),
            (("t", "i", "x", ["x", "b"], 2), "label 2 is outside answer_choices (size 2)"),
            (("t", "i", "x", None, 0), "label 0 given without answer_choices"),
            (("t", "i", "x", "xb"), "must be a list of strings"),
            (("t", "i\ud800", "x"), "not valid Unicode"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                with self.assertRaises(TaskRowError) as e:
                    make_row(*args)
                self.assertIn(message, str(e.exception))

    def test_validate_row_rejects_unknown_fields_and_ambiguous_targets(self):
        with self.assertRaisesRegex(TaskRowError, "unknown field 'answer_choice'"):
            validate_row({"task": "t", "input": "i", "target": "x", "answer_choice": ["x", "y"]})
        with self.assertRaisesRegex(TaskRowError, "more than once"):
            validate_row({"task": "t", "input": "i", "target": "x", "answer_choices": ["x", "x"]})
        with self.assertRaisesRegex(TaskRowError, "missing field 'target'"):
            validate_row({"task": "t", "input": "i"})
        with self.assertRaisesRegex(TaskRowError, "must be an integer"):
            validate_row({"task": "t", "input": "i", "target": "x", "answer_choices": ["x", "y"], "label": True})


class WriteTest(TempDirTestCase):
    def test_jsonl_lines_are_utf8_with_escaped_newlines(self):
        path = self.path("t.jsonl")
        tasks.write_jsonl(path, [make_row("t", "line one\nline two", "é <unk>")])
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data.count(b"\n"), 1)
        self.assertIn("é <unk>".encode("utf-8"), data)
        self.assertEqual(tasks.read_jsonl(path)[0]["input"], "line one\nline two")

    def test_a_bad_row_leaves_no_file_behind(self):
        path = self.path("t.jsonl")
        with self.assertRaisesRegex(TaskRowError, "row 2: field 'target' is empty"):
            tasks.write_jsonl(path, [make_row("t", "i", "x"), {"task": "t", "input": "i", "target": ""}])
        self.assertEqual(os.listdir(self.tmp), [])

    def test_suite_groups_tasks_keeps_first_appearance_order_and_writes_manifest(self):
        folder = self.path("suite")
        train = [make_row("b", "1", "x"), make_row("a", "2", "y"), make_row("b", "3", "z")]
        held = [make_row("h", "4", "yes", ["yes", "no"])]
        tasks.write_suite(folder, train, held, {"suite": "demo"}, extra_files={"test.jsonl": [make_row("a", "5", "q")]})
        self.assertEqual(sorted(os.listdir(folder)), ["heldout.jsonl", "suite.json", "test.jsonl", "train.jsonl"])
        rows = tasks.read_jsonl(os.path.join(folder, "train.jsonl"))
        self.assertEqual([(r["task"], r["input"]) for r in rows], [("b", "1"), ("b", "3"), ("a", "2")])
        with open(os.path.join(folder, "suite.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"suite": "demo"})

    def test_suite_without_heldout_has_no_heldout_file_and_replaces_only_on_overwrite(self):
        folder = self.path("suite")
        tasks.write_suite(folder, [make_row("a", "1", "x")], [make_row("h", "2", "y")], {})
        with self.assertRaises(FileExistsError):
            tasks.write_suite(folder, [make_row("a", "1", "x")], [], {})
        tasks.write_suite(folder, [make_row("a", "1", "x")], [], {}, overwrite=True)
        self.assertEqual(sorted(os.listdir(folder)), ["suite.json", "train.jsonl"])
        self.assertEqual(os.listdir(self.tmp), ["suite"])  # no temporary folders left

    def test_suite_rejects_what_the_java_suite_reader_rejects(self):
        with self.assertRaisesRegex(TaskRowError, "no training rows"):
            tasks.write_suite(self.path("s"), [], [make_row("h", "1", "x")], {})
        with self.assertRaisesRegex(TaskRowError, r"also in training: \['a'\]"):
            tasks.write_suite(self.path("s"), [make_row("a", "1", "x")], [make_row("a", "2", "y")], {})
        self.assertEqual(os.listdir(self.tmp), [])
