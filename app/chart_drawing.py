"""Drawing a chart: a plain description in, PNG bytes out; and the process that does it.

This module imports nothing of the app and no Flask, so that it can run alone as
the chart process (``python -I app/chart_drawing.py --serve``): one per server,
started by the first web worker that needs a chart (``app.charts``). matplotlib
and numpy add about 40 MB to each process that draws; with the drawing here the
web workers never load them.

A chart's description (``spec``) is JSON: ``kind`` (hbar, bars, line), ``title``,
``value_label``, ``empty_text``, ``empty``, ``labels`` and ``series`` (a list of
``[name, values]``), every text already in the reader's language.

matplotlib is used only through ``matplotlib.figure.Figure`` with the Agg canvas:
no ``pyplot`` (global state, leaks in a long-running process). Sizes and fonts
are chosen so that a chart stays readable when a 360 px phone shrinks it to the
screen's width, and prints in black and white.
"""

import gc
import hashlib
import json
import os
import sys
import textwrap
import threading
import time
from collections import OrderedDict
from io import BytesIO

COLOURS = ("#2b6ca3", "#e08a1e", "#4a9a4a", "#b03a2e", "#7d5ba6", "#777777")
WIDTH, HEIGHT, DPI = 4.8, 3.8, 110

# One chart at a time per process: matplotlib is not thread-safe, the GIL gives the
# threads no parallel drawing anyway (96 charts in 2 threads: 2.1 s with the lock,
# 2.35 s without), and drawing in parallel grew a process by 30 MB instead of 7.
_draw_lock = threading.Lock()

OK, FAILED = b"\x00", b"\x01"  # the first byte of the chart process's answer


# Every text of a chart is shown as typed. Names come from the register's users (a
# category "biaya $5 dan $10", a dusun with a backslash): read as matplotlib math
# they drew the wrong text, or failed the chart and the period report.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


def draw(spec):
    """PNG bytes of the chart ``spec`` describes. An empty chart says so in words.

    Drawn with ``PLAIN_TEXT``: every Text made meanwhile (title, axis labels, tick
    labels, legend) takes its math setting from there.
    """
    from matplotlib import rc_context

    with _draw_lock, rc_context(PLAIN_TEXT):
        png = _draw(spec)
        # A figure and its canvas refer to each other: without this the young garbage
        # collection leaves them (with the canvas's pixel buffer) to a rare full one, and
        # a process grew by about 0.3 MB per chart drawn (about 20 MB for 96 charts).
        gc.collect(1)
    return png


# A chart drawn once at start (``load_library``).
SAMPLE = {"kind": "hbar", "title": "Contoh", "value_label": "Jumlah", "empty": False,
          "empty_text": "Belum ada data", "labels": ["Diterima", "Selesai"],
          "series": [["Jumlah", [3, 1]]]}


def load_library():
    """Import matplotlib, read its fonts and draw a chart (about 0.6 s).

    The drawing loads what a first chart would (the fonts' files and glyphs, the
    tick and text machinery): a child forked afterwards for a chart finds them
    loaded, which made a bar chart's drawing about 40 ms quicker. (One of each kind
    took 0.3 s more at start and saved the others nothing measurable.)
    """
    draw(SAMPLE)  # under the lock: in a worker, a request may be drawing meanwhile


def _figure(height=HEIGHT):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure):
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def _wrap(text, width=22):
    """Break a long label over lines so that horizontal bars keep room for the bars."""
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _draw(spec):
    count = len(spec["labels"])
    height = HEIGHT if spec["kind"] != "hbar" else max(2.6, min(8.0, 1.2 + 0.45 * count))
    figure = _figure(height)
    axes = figure.add_subplot(1, 1, 1)
    axes.set_title(_wrap(spec["title"], 40), fontsize=14, fontweight="bold", loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if spec["empty"]:
        axes.set_axis_off()
        axes.text(0.5, 0.5, spec["empty_text"], ha="center", va="center", fontsize=16,
                  color="#777777", transform=axes.transAxes)
        return _png(figure)
    if spec["kind"] == "hbar":
        _hbar(axes, spec)
    elif spec["kind"] == "bars":
        _month_bars(axes, spec)
    else:
        _line(axes, spec)
    axes.tick_params(labelsize=12)
    return _png(figure)


def _hbar(axes, spec):
    values = spec["series"][0][1]
    positions = list(range(len(values)))
    bars = axes.barh(positions, values, height=0.6, color=COLOURS[0])
    axes.set_yticks(positions, [_wrap(text) for text in spec["labels"]])
    axes.set_ylim(max(len(values), 3) - 0.5, -0.5)  # top to bottom; a lone bar stays slim
    axes.bar_label(bars, padding=3, fontsize=12)
    axes.set_xlabel(spec["value_label"], fontsize=11)
    axes.margins(x=0.15)
    axes.xaxis.get_major_locator().set_params(integer=True)


def _month_bars(axes, spec):
    count = len(spec["series"])
    width = 0.8 / count
    positions = range(len(spec["labels"]))
    for index, (name, values) in enumerate(spec["series"]):
        offset = (index - (count - 1) / 2) * width
        axes.bar([p + offset for p in positions], values, width, label=name,
                 color=COLOURS[index % len(COLOURS)],
                 hatch=("" if index == 0 else "//"), edgecolor="white")
    _month_axis(axes, spec)
    axes.set_ylabel(spec["value_label"], fontsize=11)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=11, frameon=False, loc="upper left", ncols=count)
    axes.margins(y=0.2)


def _line(axes, spec):
    positions = list(range(len(spec["labels"])))
    for index, (_name, values) in enumerate(spec["series"]):
        values = [float("nan") if v is None else v for v in values]  # a gap: nothing resolved
        axes.plot(positions, values, marker="o", linewidth=2.5, color=COLOURS[index])
        for x, y in zip(positions, values):
            if y == y and y:  # skip the gaps (NaN)
                axes.annotate(f"{y:g}".replace(".", ","), (x, y), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=10)
    _month_axis(axes, spec)
    axes.set_ylabel(spec["value_label"], fontsize=11)
    axes.set_ylim(bottom=0)
    axes.margins(y=0.2)


def _month_axis(axes, spec):
    axes.set_xticks(list(range(len(spec["labels"]))), spec["labels"], rotation=60, ha="right",
                    rotation_mode="anchor")


# --- The chart process ---------------------------------------------------------------------

def serve(address, authkey, idle_seconds):
    """Draw charts for whoever connects with ``authkey``, one chart per connection.

    Each chart is drawn in a child forked for it, with the library already loaded:
    charts asked for at once are drawn on every core (at most one child per core),
    and whatever a drawing leaves in memory ends with its child. The charts drawn
    are kept (``Charts``): every worker of the server asks here, so a chart one
    worker had drawn, or is drawing, is not drawn again for another. Ends when
    nobody asked for ``idle_seconds``, or when the process that started it ends (a
    stopped server leaves no chart process behind). Binding the address is what
    makes it the only one: a second one started at the same moment finds the
    address taken and ends at once.
    """
    from multiprocessing.connection import Listener

    try:
        listener = Listener(address, "AF_UNIX", backlog=64, authkey=authkey)
    except OSError:  # another chart process holds the address
        return
    starter = os.getppid()
    load_library()  # those who connect meanwhile wait in the queue
    last_seen = [time.monotonic()]
    threading.Thread(target=_watch, args=(starter, last_seen, idle_seconds),
                     daemon=True).start()
    charts = Charts(os.cpu_count() or 1)
    while True:
        try:
            connection = listener.accept()
        except Exception:  # a client that failed the key check, or went away
            continue
        last_seen[0] = time.monotonic()
        threading.Thread(target=charts.answer, args=(connection,), daemon=True).start()


class Charts:
    """The chart process's charts: each description drawn once, in a child, and kept.

    A description is its own key (its JSON says everything that is drawn), so a kept
    chart can never be out of date: changed data is a new description.
    """

    def __init__(self, cores, keep=128):
        self.cores = threading.BoundedSemaphore(cores)
        self.keep = keep  # charts of about 35 KB: 4.5 MB at most
        self.lock = threading.Lock()
        self.drawn = OrderedDict()  # key: answer (OK and the PNG)
        self.drawing = {}  # key: _Pending, while a child draws it

    def answer(self, connection):
        """Read one description from ``connection`` and send its chart back."""
        with connection:
            try:
                payload = connection.recv_bytes(1 << 20)
            except (EOFError, OSError):  # connected only to see whether this process is there
                return
            answer = self.chart(payload)
            try:
                connection.send_bytes(answer)
            except OSError:  # asked ahead (``ChartProcess.send``): nobody waits for it
                pass

    def chart(self, payload):
        """The answer for the description ``payload``: kept, being drawn, or drawn now."""
        key = hashlib.sha256(payload).digest()
        with self.lock:
            if key in self.drawn:
                self.drawn.move_to_end(key)
                return self.drawn[key]
            pending = self.drawing.get(key)
            mine = pending is None
            if mine:
                pending = self.drawing[key] = _Pending()
        if not mine:
            pending.done.wait()
            return pending.answer
        try:
            with self.cores:
                pending.answer = _draw_in_child(payload)
        except Exception as exc:  # no child (out of memory or processes): say so, not hang
            pending.answer = FAILED + repr(exc).encode()
        with self.lock:
            if pending.answer[:1] == OK:
                self.drawn[key] = pending.answer
                while len(self.drawn) > self.keep:
                    self.drawn.popitem(last=False)
            del self.drawing[key]
        pending.done.set()
        return pending.answer


class _Pending:
    def __init__(self):
        self.done = threading.Event()
        self.answer = None


def _draw_in_child(payload):
    """OK and the PNG of the description ``payload`` (FAILED and why), drawn in a child."""
    read, write = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if child == 0:
        try:
            os.close(read)
            try:
                answer = OK + _draw(json.loads(payload))
            except Exception as exc:  # a description it cannot draw: say so, not hang
                answer = FAILED + repr(exc).encode()
            with os.fdopen(write, "wb") as out:
                out.write(answer)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        answer = source.read()
    os.waitpid(child, 0)
    return answer or FAILED + b"the drawing ended without a chart"


def _watch(starter, last_seen, idle_seconds):
    while True:
        time.sleep(1)
        if os.getppid() != starter or time.monotonic() - last_seen[0] > idle_seconds:
            os._exit(0)


def main(argv):
    """``--serve ADDRESS IDLE_SECONDS``; the key comes on standard input (not in ``ps``)."""
    if len(argv) != 3 or argv[0] != "--serve":
        print("usage: chart_drawing.py --serve ADDRESS IDLE_SECONDS", file=sys.stderr)
        return 2
    authkey = bytes.fromhex(sys.stdin.readline().strip())
    serve(argv[1].replace("@", "\0", 1), authkey, float(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
