"""Drives the RouteLab kernel through a real Jupyter client; run by JupyterKernelIT.

usage: jupyter_scenarios.py SCENARIO JUPYTER_DATA_DIR WORK_DIR
Each scenario prints what it checks and exits non-zero on the first failed check.
"""
import json
import os
import queue
import re
import subprocess
import sys
import time

SCENARIO, DATA_DIR, WORK_DIR = sys.argv[1:4]
os.environ["JUPYTER_PATH"] = DATA_DIR  # where `routelab kernel install --prefix` put the kernelspec

from jupyter_client.manager import KernelManager  # noqa: E402  (reads JUPYTER_PATH)

TIMEOUT = 120


def check(condition, what, detail=""):
    if not condition:
        print(f"FAILED: {what}\n{detail}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


class Kernel:
    def __init__(self):
        self.km = KernelManager(kernel_name="routelab")
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)

    def reply(self, msg_id):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            msg = self.kc.get_shell_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        raise TimeoutError(f"no reply to {msg_id}")

    def reply_within(self, msg_id, seconds):
        """The reply to msg_id if it comes within seconds, else None."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                msg = self.kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        return None

    def interrupt_acknowledged(self):
        """Sends interrupt_request on the control channel and waits until the kernel has handled it."""
        msg = self.kc.session.msg("interrupt_request", content={})
        self.kc.control_channel.send(msg)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            reply = self.kc.get_control_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return
        raise TimeoutError("no interrupt_reply")

    def states(self, msg_id):
        """The execution states the kernel published for a request, up to its idle."""
        states = []
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and states[-1:] != ["idle"]:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id:
                states.append(msg["content"]["execution_state"])
        return states

    def execute(self, code, on_output=None, cell_id=None, deleted_cells=()):
        """Runs a cell; returns (reply status, outputs as (msg_type, content) pairs). Like JupyterLab,
        it can name the cell and the cells deleted since the last request in the request's metadata."""
        if cell_id is None:
            msg_id = self.kc.execute(code)
        else:
            content = dict(code=code, silent=False, store_history=True, user_expressions={}, allow_stdin=False,
                           stop_on_error=True)
            msg = self.kc.session.msg("execute_request", content,
                                      metadata={"cellId": cell_id, "deletedCells": list(deleted_cells)})
            self.kc.shell_channel.send(msg)
            msg_id = msg["header"]["msg_id"]
        outputs = []
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return self.reply(msg_id)["status"], outputs
            if kind in ("execute_result", "display_data", "update_display_data", "stream", "error"):
                outputs.append((kind, msg["content"]))
                if on_output:
                    on_output(kind, msg["content"])
        raise TimeoutError(f"cell did not finish: {code}")

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


def result(outputs):
    found = [c for k, c in outputs if k == "execute_result"]
    return found[-1]["data"] if found else {}


def scenario_execute():
    k = Kernel()
    try:
        status, out = k.execute("greeting")
        check(result(out).get("text/plain") == "hello from startup", "the user's startup file ran", out)
        status, out = k.execute("int a = 20;\nint b = 22;\na + b")
        check(status == "ok" and result(out).get("text/plain") == "42", "last expression is the result", out)
        status, out = k.execute("int twice(int x) { return 2 * x; }\nint twice(int x) { return 3 * x; }\ntwice(a)")
        check(result(out).get("text/plain") == "60", "redefinition replaces and state is kept", out)

        status, out = k.execute("int ok = 1;\nint bad = missing + 1;")
        errors = [c for kind, c in out if kind == "error"]
        check(status == "error" and errors and errors[0]["ename"] == "CompilationError", "compile error", out)
        trace = "\n".join(errors[0]["traceback"])
        check("line 2, column 11: cannot find symbol" in trace and "int bad = missing + 1;" in trace,
              "compile error shows line, column and the offending line", trace)

        status, out = k.execute("Object o = null;\no.hashCode()")
        errors = [c for kind, c in out if kind == "error"]
        check(errors and errors[0]["ename"] == "NullPointerException", "runtime exception", out)
        check(all("jdk.internal" not in line for line in errors[0]["traceback"]), "trimmed stack trace",
              errors[0]["traceback"])

        status, out = k.execute("%jars /no/such.jar")
        errors = [c for kind, c in out if kind == "error"]
        check(errors and errors[0]["ename"] == "MagicError" and "no such file or folder" in errors[0]["evalue"]
              and len(errors[0]["traceback"]) == 2, "a failing magic says why, without a stack trace", out)

        status, out = k.execute('System.out.println("hello");')
        check(("stream", "hello\n") in [(kind, c.get("text")) for kind, c in out], "stdout is streamed", out)

        status, out = k.execute('Table t = Table.create("losses", IntColumn.create("step", 1, 2, 3),\n'
                                '    DoubleColumn.create("loss", 0.9, 0.5, 0.3));\nt')
        data = result(out)
        check("<table>" in data.get("text/html", "") and "text/plain" in data, "table renders as text/html", out)

        status, out = k.execute('LinePlot.create("loss", t, "step", "loss")')
        html = result(out).get("text/html", "")
        check("Plotly.newPlot(" in html and "DecompressionStream" in html, "figure renders as an offline Plotly chart",
              html[:300])
        # plotly.js travels base64-encoded, whose alphabet has neither ':' nor '.', so these cannot match by chance
        check("://" not in html and "cdn." not in html.lower() and "<script src" not in html,
              "no URL, CDN or external script in the chart")

        status, out = k.execute("var img = new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB);\nimg")
        check("image/png" in result(out), "images render as PNG", out)

        status, out = k.execute('String id = display(html("<b>first</b>"));\nupdateDisplay(id, html("<b>second</b>"));')
        kinds = [(kind, c.get("transient", {}).get("display_id")) for kind, c in out]
        check([kind for kind, _ in kinds] == ["display_data", "update_display_data"] and kinds[0][1] == kinds[1][1],
              "display() and updateDisplay() share a display id", out)

        status, out = k.execute('try (ProgressPhase p = Progress.start("train", 4)) {\n'
                                '  for (int s = 1; s <= 4; s++) { Progress.checkInterrupted(); Thread.sleep(150);\n'
                                '    p.update(s, Map.of("loss", 1.0 / s)); }\n}')
        bars = [(kind, c) for kind, c in out if "routelab-progress" in c.get("data", {}).get("text/html", "")]
        check(status == "ok" and bars and bars[0][0] == "display_data"
              and all(kind == "update_display_data" for kind, _ in bars[1:]) and len(bars) >= 3,
              "progress: one bar, updated in place", [kind for kind, _ in bars])
        check("4/4 (100%)" in bars[-1][1]["data"]["text/html"] and "loss" in bars[-1][1]["data"]["text/html"],
              "final bar shows step and loss", bars[-1][1]["data"]["text/html"])

        code = "Math.ab"
        reply = k.reply(k.kc.complete(code, len(code)))
        check("abs(" in reply["matches"] and reply["cursor_start"] == 5, "completion", reply)
        code = 'var tbl = Table.create("t");\ntbl.addC'
        reply = k.reply(k.kc.complete(code, len(code)))
        check("addColumns(" in reply["matches"] and reply["cursor_start"] == len(code) - 4,
              "completion knows a name declared earlier in the same cell before it runs", reply)
        reply = k.reply(k.kc.inspect("Math.max(1, 2)", 6))
        check(reply["found"] and "max(int" in reply["data"]["text/plain"], "inspection", reply)
        reply = k.reply(k.kc.is_complete("for (int i = 0; i < 3; i++) {"))
        check(reply["status"] == "incomplete", "is_complete: incomplete", reply)
        reply = k.reply(k.kc.is_complete("int q = 1;"))
        check(reply["status"] == "complete", "is_complete: complete", reply)
    finally:
        k.close()


def scenario_interrupt():
    k = Kernel()
    try:
        sent = []

        def interrupt_on_first_bar(kind, content):
            if not sent and "routelab-progress" in content.get("data", {}).get("text/html", ""):
                k.km.interrupt_kernel()
                sent.append(True)

        status, out = k.execute(
            'try (ProgressPhase p = Progress.start("train", 1_000_000)) {\n'
            '  for (int s = 1; s <= 1_000_000; s++) {\n'
            '    Progress.checkInterrupted();\n'
            '    long until = System.nanoTime() + 5_000_000; while (System.nanoTime() < until) { }\n'
            '    p.update(s, Map.of("loss", 1.0 / s));\n'
            '  }\n}', on_output=interrupt_on_first_bar)
        errors = [c for kind, c in out if kind == "error"]
        check(sent and status == "error" and errors and errors[0]["ename"] == "Interrupted"
              and "'train' stopped between steps" in errors[0]["evalue"], "interrupt stops training between steps",
              out[-3:])
        shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0]["traceback"]))
        check(shown.count("Interrupted") == 1, "the error says Interrupted once", shown)
        status, out = k.execute('System.out.println("still here");\n1 + 1')
        check(result(out).get("text/plain") == "2" and ("stream", "still here\n") in
              [(kind, c.get("text")) for kind, c in out], "kernel and its output work after the interrupt", out)

        started = time.time()
        msg_id = k.kc.execute("for (long spins = 0; ; spins++) { }")
        reply = None
        while reply is None and time.time() - started < 60:
            # an interrupt that arrives before the loop runs is a no-op, so keep sending until it ends;
            # each is acknowledged before the next step, so none can reach the following cell
            k.interrupt_acknowledged()
            reply = k.reply_within(msg_id, 2)
        check(reply is not None and reply["status"] == "error", "a loop that ignores interrupts is stopped", reply)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(reply["traceback"]))
        check(shown.count("Interrupted") == 1 and "stopped by force" in shown, "the forced stop says Interrupted once",
              shown)
        status, out = k.execute("int after = 3;\nafter * 2")
        check(result(out).get("text/plain") == "6", "kernel works after stopping a busy loop", out)
    finally:
        k.close()


def scenario_restart():
    k = Kernel()
    try:
        k.execute("int kept = 7;")
        pid_before = k.km.provisioner.pid if hasattr(k.km, "provisioner") else None
        k.km.restart_kernel(now=False)
        k.kc.wait_for_ready(timeout=TIMEOUT)
        status, out = k.execute("kept")
        check(status == "error", "restart clears state", out)
        status, out = k.execute("2 + 2")
        check(result(out).get("text/plain") == "4", "restarted kernel works", out)
        if pid_before is not None:
            check(k.km.provisioner.pid != pid_before, "restart started a new process")
    finally:
        k.close()
    check(not k.km.is_alive(), "shutdown ends the kernel process")


def scenario_history():
    k = Kernel()
    try:
        for phase in ("once the kernel is ready", "after a restart"):
            # what JupyterLab 4 and Notebook 7 ask as soon as they connect
            msg_id = k.kc.history(raw=True, output=False, hist_access_type="tail", n=1)
            reply = k.reply_within(msg_id, 30)
            check(reply is not None and reply.get("status") == "ok" and reply.get("history") == [],
                  f"history_request is answered {phase}", reply)
            states = k.states(msg_id)
            check(states == ["busy", "idle"], f"the kernel reports busy, then idle, for it {phase}", states)
            if phase == "after a restart":
                break
            k.execute("int h = 1;")
            k.execute("h + 1")
            reply = k.reply(k.kc.history(raw=True, output=False, hist_access_type="tail", n=1))
            check(reply["history"] == [[1, 2, "h + 1"]], "history: the last cell with its session and number", reply)
            reply = k.reply(k.kc.history(raw=True, output=False, hist_access_type="search", pattern="int *", n=5))
            check(reply["history"] == [[1, 1, "int h = 1;"]], "history: search by glob", reply)
            reply = k.reply(k.kc.history(raw=True, output=False, hist_access_type="range", session=0, start=1, stop=3))
            check([entry[2] for entry in reply["history"]] == ["int h = 1;", "h + 1"], "history: a range", reply)
            k.km.restart_kernel(now=False)
            k.kc.wait_for_ready(timeout=TIMEOUT)
    finally:
        k.close()


CHART = 'Charts.scatter("{}", "x", "y", List.of("p", "q"), new double[] {{1, 10}}, new double[] {{2, 3}}, true)'


def chart_output(outputs):
    """The one chart output of a cell, as nbformat stores it."""
    found = [(kind, c) for kind, c in outputs if kind in ("execute_result", "display_data")
             and "image/svg+xml" in c.get("data", {})]
    check(len(found) == 1, "the cell shows one chart", outputs)
    kind, content = found[0]
    output = {"output_type": kind, "data": content["data"], "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        output["execution_count"] = content["execution_count"]
    return output


def carries_plotly(output):
    return "DecompressionStream" in output["data"]["text/html"]


def save(name, cells):
    """Writes a notebook of code cells (id, source, outputs) as the front end saves it."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source, "execution_count": None,
         "outputs": [output]} for cell_id, source, output in cells]}
    with open(os.path.join(WORK_DIR, name + ".ipynb"), "w") as f:
        json.dump(nb, f)


def scenario_rerun():
    """Chart cells re-run in another order, and a deleted cell, as a person does in JupyterLab; the
    notebooks saved afterwards are rendered by JupyterLabRendering in JupyterKernelIT."""
    k = Kernel()
    try:
        latest = {}

        def run(cell_id, deleted=()):
            status, out = k.execute(CHART.format(cell_id), cell_id=cell_id, deleted_cells=deleted)
            check(status == "ok", f"chart cell {cell_id} runs", out)
            latest[cell_id] = chart_output(out)
            return latest[cell_id]

        check(carries_plotly(run("a")), "the session's first chart carries plotly.js")
        check(not carries_plotly(run("b")) and not carries_plotly(run("c")), "the other charts do not")
        check(not carries_plotly(run("c")) and not carries_plotly(run("b")), "re-running other chart cells does not")
        check(carries_plotly(run("a")), "re-running the cell that carried it sends it again")
        save("rerun", [(i, CHART.format(i), latest[i]) for i in ("a", "b", "c")])

        check(carries_plotly(run("d", deleted=["a"])), "deleting the cell that carried it sends it again")
        save("deleted", [(i, CHART.format(i), latest[i]) for i in ("b", "c", "d")])
    finally:
        k.close()


def scenario_nbconvert():
    notebook = os.path.join(WORK_DIR, "showcase.ipynb")
    out_dir = os.path.join(WORK_DIR, "converted")
    base = [sys.executable, "-m", "nbconvert", "--execute", "--ExecutePreprocessor.kernel_name=routelab",
            "--ExecutePreprocessor.timeout=300", "--output-dir", out_dir, notebook]
    for fmt in ("notebook", "html"):
        run = subprocess.run(base[:3] + ["--to", fmt, "--output", "executed"] + base[3:], capture_output=True,
                             text=True, timeout=600)
        check(run.returncode == 0, f"nbconvert --execute --to {fmt}", run.stdout + run.stderr)
    with open(os.path.join(out_dir, "executed.ipynb")) as f:
        nb = json.load(f)
    mimes = [set(o.get("data", {})) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    htmls = [o["data"]["text/html"] for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
             if "text/html" in o.get("data", {})]
    htmls = ["".join(h) if isinstance(h, list) else h for h in htmls]
    check(any("<table>" in h for h in htmls), "notebook shows a table", mimes)
    check(any("Plotly.newPlot(" in h for h in htmls), "notebook shows a plot", mimes)
    check(any("routelab-progress" in h and "100%" in h for h in htmls), "notebook shows a finished progress bar", mimes)
    with open(os.path.join(out_dir, "executed.html")) as f:
        page = f.read()
    check("Plotly.newPlot(" in page and "DecompressionStream" in page, "exported HTML embeds plotly.js")
    remote = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']?(?:https?:)?//[^"'> ]*""", page, re.IGNORECASE)
    check(not remote, "exported HTML loads no script or style from the network", remote)
    check("cdn.plot.ly" not in page.lower(), "exported HTML does not mention plotly's CDN")


globals()["scenario_" + SCENARIO]()
print("scenario passed:", SCENARIO, flush=True)
