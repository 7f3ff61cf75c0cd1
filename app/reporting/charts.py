"""Charts as PNG: ``dashboard_data``'s figures drawn with matplotlib, with one cache in front.

``render`` is a pure function of a chart and its data (a ``ChartData``): PNG bytes,
drawn with ``matplotlib.figure.Figure`` and the Agg canvas, never ``pyplot``, whose
global figure registry leaks in a long-running server. It draws in the web worker
that asks, one chart at a time (``_draw_lock``): matplotlib is not thread-safe.

``chart_png`` keeps the PNGs drawn in the one cache of figures and charts
(``dashboard_data.cache_get``), keyed by ``dashboard_data.cache_key`` on everything that
shapes a chart: the chart, the scope (period, dusun, category), which complaints count
for the viewer, the day, the language and ``dashboard_data.data_stamp``, which moves
whenever any complaint or any category, dusun or officer name changes. A repeat view costs the stamp's small
queries and no drawing; a change shows in the next view.

Sizes and fonts are chosen so that a chart stays readable when a 360 px phone shrinks
it to the screen's width, and prints in black and white.
"""

import gc
import textwrap
import threading
from decimal import Decimal
from io import BytesIO

from flask_babel import gettext

from app.reporting import figures as dashboard_data

COLOURS = ("#2b6ca3", "#e08a1e", "#4a9a4a", "#b03a2e", "#7d5ba6", "#777777")
WIDTH, HEIGHT, DPI = 4.8, 3.8, 110

# Every text of a chart is shown as typed. Names come from the register's users (a
# category "biaya $5 dan $10", a dusun with a backslash): read as matplotlib math
# they drew the wrong text, or failed the chart and the period report.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}

# One chart at a time per worker: matplotlib is not thread-safe (its font cache and
# the rc parameters that ``rc_context`` sets for a drawing are global), and drawing
# in several threads at once made a worker's memory grow by a figure per thread.
_draw_lock = threading.Lock()
stats = {"renders": 0}  # charts drawn by this process (tests read it)


def chart_png(chart, user, scope, stamp=None):
    """The chart's PNG for ``user`` and ``scope``, from the cache when nothing changed.

    Returns ``(png, key)``; the key doubles as the HTTP ETag's source. Two requests
    for the same chart at once draw it once: the second waits for the drawing lock,
    then finds the first one's PNG in the cache.
    """
    stamp = stamp if stamp is not None else dashboard_data.data_stamp()
    key = dashboard_data.cache_key(chart, user, scope, stamp)
    png = dashboard_data.cache_get(("png",) + key)
    if png is not dashboard_data.MISSING:
        return png, key
    data = dashboard_data.cached(chart, user, scope, stamp)  # queries run outside the lock
    with _draw_lock:
        png = dashboard_data.cache_get(("png",) + key)
        if png is dashboard_data.MISSING:
            png = _render(chart, data)
            dashboard_data.cache_put(("png",) + key, png)
    return png, key


def clear_cache():
    """Forget every drawn chart and every computed figure (tests start cold with it)."""
    dashboard_data.clear_cache()


def render(chart, data):
    """PNG bytes of ``data`` (a ``ChartData``) drawn the way ``chart`` says.

    An empty chart says "No data yet" in words instead of drawing empty axes. Every
    Text made meanwhile (title, axis labels, tick labels, legend) takes its math
    setting from ``PLAIN_TEXT``.
    """
    with _draw_lock:
        return _render(chart, data)


def _render(chart, data):
    """``render`` for a caller that holds ``_draw_lock``."""
    # Imported on the first chart, not at start: matplotlib and numpy are the largest
    # libraries of the app, and most requests (and the workers that never serve the
    # dashboard) do not need them.
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [str(text) for text in data.labels]
    series = [(str(name), [_number(v) for v in values]) for name, values in data.series]
    height = HEIGHT if chart.kind != "hbar" else max(2.6, min(8.0, 1.2 + 0.45 * len(labels)))
    with rc_context(PLAIN_TEXT):
        stats["renders"] += 1
        figure = Figure(figsize=(WIDTH, height), dpi=DPI)
        FigureCanvasAgg(figure)
        _draw(figure.add_subplot(1, 1, 1), chart, data.is_empty(), labels, series)
        buffer = BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.15)
    # A figure and its canvas refer to each other: without this the young garbage
    # collection leaves them (with the canvas's pixel buffer) to a rare full one, and
    # a worker grows with every chart drawn.
    del figure
    gc.collect(1)
    return buffer.getvalue()


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _wrap(text, width=22):
    """Break a long label over lines so that horizontal bars keep room for the bars."""
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _draw(axes, chart, empty, labels, series):
    axes.set_title(_wrap(chart.title, 40), fontsize=14, fontweight="bold", loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if empty:
        axes.set_axis_off()
        axes.text(0.5, 0.5, gettext("No data yet"), ha="center", va="center", fontsize=16,
                  color="#777777", transform=axes.transAxes)
        return
    value_label = str(chart.value_label)
    if chart.kind == "hbar":
        _hbar(axes, labels, series, value_label)
    elif chart.kind == "bars":
        _month_bars(axes, labels, series, value_label)
    else:
        _line(axes, labels, series, value_label)
    axes.tick_params(labelsize=12)


def _hbar(axes, labels, series, value_label):
    values = series[0][1]
    positions = list(range(len(values)))
    bars = axes.barh(positions, values, height=0.6, color=COLOURS[0])
    axes.set_yticks(positions, [_wrap(text) for text in labels])
    axes.set_ylim(max(len(values), 3) - 0.5, -0.5)  # top to bottom; a lone bar stays slim
    axes.bar_label(bars, padding=3, fontsize=12)
    axes.set_xlabel(value_label, fontsize=11)
    axes.margins(x=0.15)
    axes.xaxis.get_major_locator().set_params(integer=True)


def _month_bars(axes, labels, series, value_label):
    count = len(series)
    width = 0.8 / count
    positions = range(len(labels))
    for index, (name, values) in enumerate(series):
        offset = (index - (count - 1) / 2) * width
        axes.bar([p + offset for p in positions], values, width, label=name,
                 color=COLOURS[index % len(COLOURS)],
                 hatch=("" if index == 0 else "//"), edgecolor="white")
    _month_axis(axes, labels)
    axes.set_ylabel(value_label, fontsize=11)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=11, frameon=False, loc="upper left", ncols=count)
    axes.margins(y=0.2)


def _line(axes, labels, series, value_label):
    positions = list(range(len(labels)))
    for index, (_name, values) in enumerate(series):
        values = [float("nan") if v is None else v for v in values]  # a gap: nothing resolved
        axes.plot(positions, values, marker="o", linewidth=2.5,
                  color=COLOURS[index % len(COLOURS)])
        for x, y in zip(positions, values):
            if y == y and y:  # skip the gaps (NaN)
                axes.annotate(f"{y:g}".replace(".", ","), (x, y), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=10)
    _month_axis(axes, labels)
    axes.set_ylabel(value_label, fontsize=11)
    axes.set_ylim(bottom=0)
    axes.margins(y=0.2)


def _month_axis(axes, labels):
    axes.set_xticks(list(range(len(labels))), labels, rotation=60, ha="right",
                    rotation_mode="anchor")
