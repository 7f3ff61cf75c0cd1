"""The chart process: one per server draws every worker's charts, so that no web worker
holds matplotlib; it ends on its own, refuses strangers, and a worker draws itself when
it cannot be reached."""

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from app import chart_drawing, charts, dashboard_data
from app.dashboard_data import ChartData

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="abstract Unix sockets are Linux only")

DATA = ChartData(["Nov 26", "Des 26"], [("Diterima", [3, 5]), ("Selesai", [1, 4])])


def chart_processes(process):
    """Running chart processes serving ``process``'s address: not the children they fork
    for each chart, nor zombies."""
    name = process.address[1:]
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if name in cmdline and "--serve" in cmdline and fields[0] != "Z":
            found[int(proc.name)] = int(fields[1])  # pid: parent's pid
    return [pid for pid, parent in found.items() if parent not in found]


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def new_process(idle_seconds=60):
    return charts.ChartProcess("test-" + secrets.token_hex(20), idle_seconds)


def test_the_chart_process_draws_what_the_worker_would(app):
    process = app.extensions["chart_process"]
    with app.test_request_context():
        for chart in dashboard_data.CHARTS:
            description = charts.spec(chart, DATA)
            assert process.draw(description) == chart_drawing.draw(description), chart.name
        # The dashboard's own path goes through it too: counted here, drawn there.
        renders = charts.stats["renders"]
        assert charts.render(dashboard_data.CHARTS[0], DATA).startswith(b"\x89PNG")
        assert charts.stats["renders"] == renders + 1
    assert len(chart_processes(process)) == 1


def test_workers_asking_at_once_start_one_process():
    secret = "test-" + secrets.token_hex(20)
    workers = [charts.ChartProcess(secret, 60) for _ in range(4)]
    description = {"kind": "hbar", "title": "Menurut status", "value_label": "Jumlah",
                   "empty": False, "empty_text": "Belum ada data", "labels": ["Diterima"],
                   "series": [["Jumlah", [3]]]}
    pngs = []
    threads = [threading.Thread(target=lambda w=w: pngs.append(w.draw(description)))
               for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(pngs) == 4 and len(set(pngs)) == 1
    assert len(chart_processes(workers[0])) == 1


def test_the_process_ends_when_idle_and_starts_again_when_needed():
    process = new_process(idle_seconds=1)
    process.start()
    first = chart_processes(process)
    assert len(first) == 1
    assert wait_for(lambda: not chart_processes(process), seconds=15)
    description = charts.spec(dashboard_data.CHARTS[1], DATA)
    assert process.draw(description).startswith(b"\x89PNG")
    assert chart_processes(process) and chart_processes(process) != first


def test_the_process_ends_with_the_worker_that_started_it(tmp_path):
    # A stopped server leaves no chart process behind.
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys; sys.path.insert(0, %r)\n"
        "from app.charts import ChartProcess\n"
        "process = ChartProcess(%r, 600)\n"
        "process.start()\n"
        "print(process.address[1:], flush=True)\n" % (
            str(Path(__file__).resolve().parents[1]), "test-" + secrets.token_hex(20)))
    out = subprocess.run([sys.executable, str(script)], check=True, text=True,
                         stdout=subprocess.PIPE, timeout=60).stdout.split()[-1]
    assert out.startswith("pengaduan-charts-")
    probe = new_process()
    probe.address = "\0" + out
    assert wait_for(lambda: not chart_processes(probe), seconds=10)


def test_each_chart_is_drawn_in_a_child_not_in_the_serving_process():
    # What drawing leaves in memory goes with the child, and charts asked for at once
    # are drawn side by side. The serving process only accepts and forks: ten charts
    # (over a second of drawing) cost it almost no processor time.
    process = new_process()
    process.start()
    (pid,) = chart_processes(process)

    def cpu_seconds():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    description = charts.spec(dashboard_data.CHARTS[0], DATA)
    before, started = cpu_seconds(), time.monotonic()
    for number in range(10):  # ten charts: a chart asked for again is not drawn again
        assert process.draw({**description, "title": f"Bagan {number}"}).startswith(b"\x89PNG")
    assert time.monotonic() - started > 0.3  # the drawing did take time somewhere
    assert cpu_seconds() - before < 0.15
    assert chart_processes(process) == [pid]


def test_a_client_without_the_key_is_refused_and_others_still_served():
    from multiprocessing import AuthenticationError

    process = new_process()
    process.start()
    with pytest.raises(AuthenticationError):
        Client(process.address, "AF_UNIX", authkey=b"not the key")
    description = charts.spec(dashboard_data.CHARTS[1], DATA)
    assert process.draw(description).startswith(b"\x89PNG")


def test_a_description_it_cannot_draw_is_an_error_not_a_hang():
    process = new_process()
    with pytest.raises(charts.ChartProcessError):
        process.draw({"kind": "hbar"})
    assert process.draw(charts.spec(dashboard_data.CHARTS[1], DATA)).startswith(b"\x89PNG")


def test_when_the_process_cannot_start_the_worker_draws_the_chart(app, monkeypatch, caplog):
    def cannot_start(self):
        raise charts.ChartProcessError("the chart process did not start")

    process = new_process()
    monkeypatch.setattr(charts.ChartProcess, "start", cannot_start)
    monkeypatch.setitem(app.extensions, "chart_process", process)
    with app.test_request_context():
        png = charts.render(dashboard_data.CHARTS[0], DATA)
    assert png.startswith(b"\x89PNG")
    assert not chart_processes(process)
    assert "drawing received_resolved in the worker" in caplog.text


class CountingDrawer:
    """Stands in for the child that draws (``chart_drawing._draw_in_child``): counts the
    drawings, takes a while like a real one, and fails where the description says so."""

    def __init__(self):
        self.drawn = []
        self.lock = threading.Lock()

    def __call__(self, payload):
        with self.lock:
            self.drawn.append(payload)
        time.sleep(0.2)
        if b"rusak" in payload:
            return chart_drawing.FAILED + b"ValueError()"
        return chart_drawing.OK + b"PNG of " + payload


def ask_at_once(kept, payload, askers):
    """The answers of ``askers`` threads asking ``kept`` for ``payload`` at the same time."""
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(kept.chart(payload)))
               for _ in range(askers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers


def test_a_chart_asked_for_while_drawn_or_again_is_drawn_once(monkeypatch):
    # Both workers ask for the same chart of a cold dashboard: one drawing serves both,
    # and the next view's ask is answered from what was drawn.
    drawer = CountingDrawer()
    monkeypatch.setattr(chart_drawing, "_draw_in_child", drawer)
    kept = chart_drawing.Charts(cores=2)
    answers = ask_at_once(kept, b'{"title": "A"}', 5)
    assert answers == [chart_drawing.OK + b'PNG of {"title": "A"}'] * 5
    assert kept.chart(b'{"title": "A"}') == answers[0]
    assert drawer.drawn == [b'{"title": "A"}']
    # Another description is another chart.
    assert kept.chart(b'{"title": "B"}') == chart_drawing.OK + b'PNG of {"title": "B"}'
    assert len(drawer.drawn) == 2


def test_a_failed_drawing_is_told_to_every_asker_and_not_kept(monkeypatch):
    drawer = CountingDrawer()
    monkeypatch.setattr(chart_drawing, "_draw_in_child", drawer)
    kept = chart_drawing.Charts(cores=1)
    answers = ask_at_once(kept, b"rusak", 3)
    assert answers == [chart_drawing.FAILED + b"ValueError()"] * 3
    assert kept.chart(b"rusak")[:1] == chart_drawing.FAILED
    assert len(drawer.drawn) == 2  # asked again later: tried again


def test_the_oldest_charts_make_room(monkeypatch):
    drawer = CountingDrawer()
    monkeypatch.setattr(chart_drawing, "_draw_in_child", lambda payload: chart_drawing.OK + payload)
    kept = chart_drawing.Charts(cores=1, keep=3)
    for name in (b"a", b"b", b"c", b"a", b"d"):  # "a" asked again: "b" is the oldest now
        kept.chart(name)
    monkeypatch.setattr(chart_drawing, "_draw_in_child", drawer)
    for name in (b"a", b"c", b"d"):
        kept.chart(name)
    assert drawer.drawn == []
    kept.chart(b"b")
    assert drawer.drawn == [b"b"]


def test_the_dashboard_page_has_its_charts_drawn_before_the_browser_asks(app, client,
                                                                         monkeypatch):
    # The page sends every chart's description to the chart process once its figures
    # are counted; the images then find them drawn, whichever worker serves them.
    from tests.test_dashboard import _login

    process = app.extensions["chart_process"]
    sent, drawn, draw = [], [], process.draw
    monkeypatch.setattr(process, "send", lambda specs: sent.extend(map(json.dumps, specs)))
    monkeypatch.setattr(process, "draw", lambda spec: drawn.append(json.dumps(spec)) or draw(spec))
    charts.clear_cache()
    _login(app, client)
    page = client.get("/dashboard/?period=month&month=2026-03").get_data(as_text=True)
    assert wait_for(lambda: len(sent) == len(dashboard_data.CHARTS))  # sent by a thread
    assert [json.loads(spec)["kind"] for spec in sent] == [c.kind for c in dashboard_data.CHARTS]
    for source in re.findall(r'<img src="([^"]+)"', page):
        response = client.get(source.replace("&amp;", "&"))
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    # The images asked for exactly what was sent ahead (the process knows a chart by
    # its description's bytes), so it had them drawn or drawing.
    assert drawn == sent
    client.get("/dashboard/?period=month&month=2026-03")
    assert len(sent) == len(dashboard_data.CHARTS)  # this worker holds them now


def test_a_chart_that_found_no_child_to_draw_it_fails_and_is_drawn_next_time(monkeypatch):
    # Out of processes or memory: the askers hear of it at once (and their worker draws
    # the chart itself) instead of waiting for a drawing that never comes.
    def no_child(payload):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(chart_drawing, "_draw_in_child", no_child)
    kept = chart_drawing.Charts(cores=1)
    assert kept.chart(b"a")[:1] == chart_drawing.FAILED
    monkeypatch.setattr(chart_drawing, "_draw_in_child", lambda payload: chart_drawing.OK + payload)
    assert kept.chart(b"a") == chart_drawing.OK + b"a"
