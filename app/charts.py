"""Charts as PNG: pure functions from ``dashboard_data`` to bytes, and a cache in front.

matplotlib is imported lazily and only through ``matplotlib.figure.Figure``
with the Agg canvas: no ``pyplot`` (global state, leaks in a long-running
server). Sizes and fonts are chosen so that a chart stays readable when a 360 px
phone shrinks it to the screen's width, and prints in black and white.

The cache keys a rendered chart on everything that shapes it: the chart, the
scope (period, dusun, category), whose complaints count, the day (overdue
figures move with the date), the language, and ``dashboard_data.data_stamp``,
which moves whenever any complaint changes. A repeat view costs one small query
and no drawing; a change to any complaint shows in the next view.
"""

import gc
import threading
from collections import OrderedDict
from io import BytesIO

from flask_babel import get_locale, gettext

from app import dashboard_data
from app.timeutil import today_wib

COLOURS = ("#2b6ca3", "#e08a1e", "#4a9a4a", "#b03a2e", "#7d5ba6", "#777777")
WIDTH, HEIGHT, DPI = 4.8, 3.8, 110
CACHE_SIZE = 128  # PNGs of about 35 KB: 4.5 MB at most per worker

_cache = OrderedDict()
_lock = threading.Lock()
stats = {"renders": 0, "hits": 0}
_warm_up = []  # the warm-up thread, once started in this process
_draw_lock = threading.Lock()


def warm_up():
    """Load matplotlib and its font in a background thread, once per process.

    Called when someone who may see the dashboard logs in (``init_app``): the first
    dashboard view after a start then draws at once instead of waiting about 0.7 s for
    the library in each worker, while the app itself still starts without it. Returns
    the thread (tests wait on it).
    """
    with _lock:
        if not _warm_up:
            thread = threading.Thread(target=_load_library, name="charts-warm-up", daemon=True)
            _warm_up.append(thread)
            thread.start()
        return _warm_up[0]


def _load_library():
    from matplotlib import font_manager

    _figure()
    font_manager.findfont("DejaVu Sans")  # loads matplotlib's list of fonts


def init_app(app):
    """Warm the chart library up when a user with the dashboard logs in."""
    from flask_login import user_logged_in

    from app.security import DASHBOARD_ROLES

    def on_login(sender, user, **extra):
        if any(role.name in DASHBOARD_ROLES for role in getattr(user, "roles", ())):
            warm_up()

    user_logged_in.connect(on_login, app, weak=False)


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
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def render(chart, data):
    """Draw ``data`` (a ``ChartData``) the way ``chart`` says; return PNG bytes.

    An empty chart says "Belum ada data" instead of drawing empty axes.
    """
    # One chart at a time per process: matplotlib is not thread-safe, the GIL gives the
    # threads no parallel drawing anyway (96 charts in 2 threads: 2.1 s with the lock,
    # 2.35 s without), and drawing in parallel grew a worker by 30 MB instead of 7.
    with _draw_lock:
        png = _draw(chart, data)
        # A figure and its canvas refer to each other: without this the young garbage
        # collection leaves them (with the canvas's pixel buffer) to a rare full one, and
        # a worker grew by about 0.3 MB per chart drawn (about 20 MB for 96 charts).
        gc.collect(1)
    return png


def _draw(chart, data):
    stats["renders"] += 1
    count = len(data.labels)
    height = HEIGHT if chart.kind != "hbar" else max(2.6, min(8.0, 1.2 + 0.45 * count))
    figure = _figure(height)
    axes = figure.add_subplot(1, 1, 1)
    axes.set_title(_wrap(chart.title, 40), fontsize=14, fontweight="bold", loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if data.is_empty():
        axes.set_axis_off()
        axes.text(0.5, 0.5, gettext("No data yet"), ha="center", va="center", fontsize=16,
                  color="#777777", transform=axes.transAxes)
        return _png(figure)
    if chart.kind == "hbar":
        _hbar(axes, chart, data)
    elif chart.kind == "bars":
        _month_bars(axes, chart, data)
    else:
        _line(axes, chart, data)
    axes.tick_params(labelsize=12)
    return _png(figure)


def _hbar(axes, chart, data):
    values = data.series[0][1]
    positions = list(range(len(values)))
    bars = axes.barh(positions, values, height=0.6, color=COLOURS[0])
    axes.set_yticks(positions, [_wrap(text) for text in data.labels])
    axes.set_ylim(max(len(values), 3) - 0.5, -0.5)  # top to bottom; a lone bar stays slim
    axes.bar_label(bars, padding=3, fontsize=12)
    axes.set_xlabel(str(chart.value_label), fontsize=11)
    axes.margins(x=0.15)
    axes.xaxis.get_major_locator().set_params(integer=True)


def _month_bars(axes, chart, data):
    count = len(data.series)
    width = 0.8 / count
    positions = range(len(data.labels))
    for index, (name, values) in enumerate(data.series):
        offset = (index - (count - 1) / 2) * width
        axes.bar([p + offset for p in positions], values, width, label=name,
                 color=COLOURS[index % len(COLOURS)],
                 hatch=("" if index == 0 else "//"), edgecolor="white")
    _month_axis(axes, data)
    axes.set_ylabel(str(chart.value_label), fontsize=11)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=11, frameon=False, loc="upper left", ncols=count)
    axes.margins(y=0.2)


def _line(axes, chart, data):
    positions = list(range(len(data.labels)))
    for index, (name, values) in enumerate(data.series):
        values = [float("nan") if v is None else v for v in values]  # a gap: nothing resolved
        axes.plot(positions, values, marker="o", linewidth=2.5, color=COLOURS[index])
        for x, y in zip(positions, values):
            if y == y and y:  # skip the gaps (NaN)
                axes.annotate(f"{y:g}".replace(".", ","), (x, y), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=10)
    _month_axis(axes, data)
    axes.set_ylabel(str(chart.value_label), fontsize=11)
    axes.set_ylim(bottom=0)
    axes.margins(y=0.2)


def _month_axis(axes, data):
    axes.set_xticks(list(range(len(data.labels))), data.labels, rotation=60, ha="right",
                    rotation_mode="anchor")


def _scope_of(user):
    """Whose complaints count: everyone's for the desk and the head, else this user's share."""
    return dashboard_data.whose(user)


def cache_key(chart, user, scope, stamp=None, today=None):
    return (chart.name, scope.key(), _scope_of(user), today or today_wib(), str(get_locale()),
            stamp if stamp is not None else dashboard_data.data_stamp())


def chart_png(chart, user, scope, stamp=None):
    """The chart's PNG for ``user`` and ``scope``, from the cache when nothing changed.

    Returns ``(png, key)``; the key doubles as the HTTP ETag's source.
    """
    stamp = stamp if stamp is not None else dashboard_data.data_stamp()
    key = cache_key(chart, user, scope, stamp)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            stats["hits"] += 1
            return _cache[key], key
    png = render(chart, dashboard_data.cached(chart, user, scope, stamp))
    with _lock:
        _cache[key] = png
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return png, key


def clear_cache():
    with _lock:
        _cache.clear()
    dashboard_data.clear_cache()

