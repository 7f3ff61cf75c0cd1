"""Charts as PNG: ``dashboard_data`` figures drawn by ``chart_drawing``, with a cache in front.

The drawing happens in the chart process, one per server (``ChartProcess``):
matplotlib and numpy would add about 40 MB to every web worker that draws, and
the worker would keep them. The first worker that needs a chart starts the
process; it ends when its starter ends or after ``CHART_PROCESS_IDLE_SECONDS``
without a chart. It keeps what it drew, by description, for every worker; the
dashboard page sends its charts' descriptions ahead (``draw_ahead``), so that
the images find them drawn. When it cannot be reached the worker draws the
chart itself (logged), so a chart never fails for that. ``CHART_PROCESS = False`` draws in
the worker always (and off Linux, whose abstract socket addresses it uses).

The cache keys a rendered chart on everything that shapes it: the chart, the
scope (period, dusun, category), which complaints count for the user (the rows
``access.restrict`` lets through), the day (overdue figures move with the date),
the language, and ``dashboard_data.data_stamp``, which moves whenever any
complaint or any category, dusun or officer name changes. A repeat view costs
two small queries and no drawing; a change shows in the next view.
"""

import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from decimal import Decimal
from multiprocessing import AuthenticationError
from pathlib import Path

from flask import current_app
from flask_babel import get_locale, gettext

from app import chart_drawing, dashboard_data
from app.timeutil import today_wib

log = logging.getLogger(__name__)

CACHE_SIZE = 128  # PNGs of about 35 KB: 4.5 MB at most per worker
START_SECONDS = 20  # for the chart process to start and load matplotlib
ANSWER_SECONDS = 60  # for one chart, queued behind the others of every worker

_cache = OrderedDict()
_lock = threading.Lock()
stats = {"renders": 0, "hits": 0}
_warm_up = []  # the warm-up thread, once started in this process


class ChartProcessError(Exception):
    """The chart process could not be reached or could not draw."""


class ChartProcess:
    """The web worker's side of the chart process (``chart_drawing.serve``).

    Its address is an abstract Unix socket named after the drawing code and the key
    (from ``SECRET_KEY``): another app, or a server with other drawing code, gets its
    own process; a client without the key is refused by the handshake.
    """

    def __init__(self, secret_key, idle_seconds):
        self.authkey = hmac.new(secret_key.encode(), b"chart process", hashlib.sha256).digest()
        code = Path(chart_drawing.__file__).read_bytes()
        tag = hashlib.sha256(code + self.authkey).hexdigest()[:16]
        self.address = f"\0pengaduan-charts-{os.getuid()}-{tag}"
        self.idle_seconds = idle_seconds
        self._started = None  # the process this worker started last
        self._starting = threading.Lock()

    def draw(self, spec):
        """PNG bytes for ``spec``, starting the process when nobody answers."""
        return self._deliver(json.dumps(spec).encode(), wait=True)

    def send(self, specs):
        """Ask for the charts ``specs`` without waiting for them: the process draws and
        keeps each, and whoever asks for one next (a ``draw`` from any worker) gets it
        when drawn. Starts the process when none answers."""
        for description in specs:
            self._deliver(json.dumps(description).encode(), wait=False)

    def _deliver(self, payload, wait):
        for _ in range(2):
            try:
                return self._ask(payload, wait)
            except (ConnectionRefusedError, FileNotFoundError):
                self.start()
            except (EOFError, ConnectionResetError, BrokenPipeError):
                pass  # it ended (idle) as we asked: ask again, starting it if need be
        return self._ask(payload, wait)

    def _ask(self, payload, wait):
        from multiprocessing.connection import Client

        with Client(self.address, "AF_UNIX", authkey=self.authkey) as connection:
            connection.send_bytes(payload)
            if not wait:
                return None
            if not connection.poll(ANSWER_SECONDS):
                raise ChartProcessError("no chart within %s s" % ANSWER_SECONDS)
            answer = connection.recv_bytes()
        if answer[:1] != chart_drawing.OK:
            raise ChartProcessError(answer[1:].decode(errors="replace"))
        return answer[1:]

    def reachable(self):
        from multiprocessing.connection import Client

        try:
            Client(self.address, "AF_UNIX", authkey=self.authkey).close()
            return True
        except (ConnectionRefusedError, FileNotFoundError, ConnectionResetError, EOFError):
            return False  # none, or one that ended as we knocked

    def start(self):
        """Start the chart process unless one answers; return once it does."""
        with self._starting:
            if self._started is not None:
                self._started.poll()  # collect an earlier one that ended
            if self.reachable():
                return
            process = subprocess.Popen(
                [sys.executable, "-I", chart_drawing.__file__, "--serve",
                 self.address.replace("\0", "@", 1), str(self.idle_seconds)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
            process.stdin.write((self.authkey.hex() + "\n").encode())
            process.stdin.close()
            self._started = process
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline:
                if self.reachable():  # ours, or one that another worker started first
                    return
                if process.poll() is not None and not self.reachable():
                    break  # ours ended (the address was taken by one that ended since)
                time.sleep(0.05)
            raise ChartProcessError("the chart process did not start")


def _chart_process():
    """This app's chart process, or None when charts are drawn in the worker."""
    return current_app.extensions.get("chart_process")


def warm_up(process=None):
    """Get drawing ready in a background thread, once per worker: start (or find) the
    chart process, or load matplotlib here when the worker draws.

    Called when someone who may see the dashboard logs in (``init_app``): the first
    dashboard view after a start then does not wait about 0.7 s for the library.
    Returns the thread (tests wait on it).
    """
    with _lock:
        if not _warm_up:
            target = process.start if process is not None else chart_drawing.load_library
            thread = threading.Thread(target=_quietly, args=(target,), name="charts-warm-up",
                                      daemon=True)
            _warm_up.append(thread)
            thread.start()
        return _warm_up[0]


def _quietly(target, *args):
    """Run a background step (warm-up, drawing ahead); a failure is logged, not raised:
    the chart's own request tries again, or draws in the worker."""
    try:
        target(*args)
    except Exception:
        log.warning("Charts: %s failed in the background", target.__name__, exc_info=True)


def init_app(app):
    """Set up the chart process, and warm it up when a user with the dashboard logs in."""
    from flask_login import user_logged_in

    from app.security import DASHBOARD_ROLES

    if app.config["CHART_PROCESS"] and sys.platform.startswith("linux"):
        app.extensions["chart_process"] = ChartProcess(
            app.config["SECRET_KEY"], app.config["CHART_PROCESS_IDLE_SECONDS"])

    def on_login(sender, user, **extra):
        if any(role.name in DASHBOARD_ROLES for role in getattr(user, "roles", ())):
            warm_up(sender.extensions.get("chart_process"))

    user_logged_in.connect(on_login, app, weak=False)


def spec(chart, data):
    """What ``chart_drawing`` needs to draw ``chart`` with ``data``: plain JSON, every text
    in the reader's language."""
    def number(value):
        return float(value) if isinstance(value, Decimal) else value

    return {
        "kind": chart.kind,
        "title": str(chart.title),
        "value_label": str(chart.value_label),
        "empty": data.is_empty(),
        "empty_text": gettext("No data yet"),
        "labels": [str(text) for text in data.labels],
        "series": [[str(name), [number(v) for v in values]] for name, values in data.series],
    }


def render(chart, data):
    """Draw ``data`` (a ``ChartData``) the way ``chart`` says; return PNG bytes.

    An empty chart says "Belum ada data" instead of drawing empty axes.
    """
    stats["renders"] += 1
    description = spec(chart, data)
    process = _chart_process()
    if process is not None:
        try:
            return process.draw(description)
        except (ChartProcessError, AuthenticationError, OSError, EOFError):
            log.warning("Chart process failed; drawing %s in the worker", chart.name,
                        exc_info=True)
    return chart_drawing.draw(description)


def draw_ahead(items, user, scope, stamp=None):
    """Have the chart process draw the charts ``items`` (``[(chart, data)]``) of the page
    being made: the browser asks for the images a moment later, from whichever worker,
    and finds them drawn or being drawn (see README, Performance). The asking is done
    by a thread, so that the page never waits for the process (it may be starting).
    Charts this worker holds already are not asked for. Returns the thread, or None."""
    process = _chart_process()
    if process is None:
        return None
    with _lock:
        missing = [(chart, data) for chart, data in items
                   if cache_key(chart, user, scope, stamp) not in _cache]
    specs = [spec(chart, data) for chart, data in missing]
    if not specs:
        return None
    thread = threading.Thread(target=_quietly, args=(process.send, specs),
                              name="charts-ahead", daemon=True)
    thread.start()
    return thread


def _scope_of(user):
    """Which complaints count for ``user`` (``dashboard_data.whose``: the rows it may see)."""
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

