"""Progress of a long stage: what is running, done / total, throughput and ETA.

A stage (runs, calibration, analysis, motif profiles, adaptation, multiverse) is a list of
*items*, each worth some *units* of work: a run is worth its maximum number of generations,
a network to analyse is worth 1.  The ETA is

    ETA = (units left) / (units done per second, across all workers)

where the throughput is measured over a sliding window of recent progress (by default the
last two minutes), starting at the first unit of work seen.  Because runs report the
generations they have done while they run, the estimate is available as soon as the
first generations are done (not after the first run finishes), and the time workers spend
starting up and compiling is not counted as slow work.  Units of items that have not
reported yet count in full, so a run that stops early (a stop rule met before its maximum
number of generations) makes the ETA an upper bound until a few items have finished; from
then on each item's maximum is scaled by the mean share of it the finished items used
(:meth:`Progress.used_fraction`), so stages whose runs mostly stop early (adaptation, runs
stopped at a solution) get an estimate, not a bound.

Generation progress crosses process boundaries through one small file per run in the
run's own folder (``.progress``: ``generation total``), written at most once a second by
:class:`FileReporter` and read by :meth:`Progress.poll`.  This works the same for the
local process pool, a Dask LocalCluster and a batch-system cluster whose workers share the
file system (which resuming from checkpoints needs anyway); without shared storage the
stage still shows done / total, from finished items.

Three output modes:

- ``"bar"``: one line redrawn in place (stderr is a terminal);
- ``"lines"``: plain lines, one per finished item and one status line at most every
  ``line_interval`` seconds (stderr is not a terminal: CI, logs, ``make > log``);
- ``"quiet"``: nothing.

``mode="auto"`` (the default) picks ``"bar"`` or ``"lines"`` from ``stream.isatty()``.

Examples
--------
A fake clock shows how the ETA follows the generations done:

>>> import io
>>> t = [0.0]
>>> out = io.StringIO()
>>> p = Progress("runs", [("mvg seed-1", 1000), ("mvg seed-2", 1000)], mode="lines",
...              stream=out, clock=lambda: t[0])
>>> p.update(0, 0); t[0] = 10.0; p.update(0, 100)   # 100 generations in 10 s
>>> p.rate()
10.0
>>> p.eta()                                          # 1900 generations left at 10/s
190.0
>>> p.finish(0); p.done, p.total
(1, 2)
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from collections import deque
from pathlib import Path
from typing import Callable, Sequence

PROGRESS_FILE = ".progress"
#: finished items needed before the ETA scales the items' maxima by the share they really used
MIN_FINISHED = 3


def format_duration(seconds: float | None) -> str:
    """``1h02m``, ``4m10s``, ``12s``; ``--`` when unknown.

    Examples
    --------
    >>> format_duration(3725), format_duration(250), format_duration(12.4), format_duration(None)
    ('1h02m', '4m10s', '12s', '--')
    """
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class FileReporter:
    """Callable ``(generation, total)`` that writes ``generation total`` to a small file.

    Meant to be handed to an evolution loop as its progress callback: it costs one clock
    read per call and writes (atomically, by rename) at most once per ``every`` seconds,
    so the loop may call it every generation or every N generations.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> r = FileReporter(d / ".progress", every=0.0)
    >>> r(150, 1000)
    >>> read_progress_file(d / ".progress")
    (150, 1000)
    >>> r.remove(); (d / ".progress").exists()
    False
    """

    def __init__(self, path: str | Path, every: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.path = Path(path)
        self.every = every
        self.clock = clock
        self._last = -float("inf")

    def __call__(self, generation: int, total: int | None = None) -> None:
        now = self.clock()
        if now - self._last < self.every:
            return
        self._last = now
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # named like store.write_atomic's temporaries, which the store cleans up
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid() % 10**8:08d}.tmp")
            tmp.write_text(f"{int(generation)} {int(total) if total is not None else -1}\n")
            os.replace(tmp, self.path)
        except OSError:            # progress is best effort: never fail a run for it
            pass

    def remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


def read_progress_file(path: str | Path) -> tuple[int, int | None] | None:
    """``(generation, total)`` from a :class:`FileReporter` file, or None if absent/unreadable.

    A negative total in the file means "unknown" and reads as None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> read_progress_file(d / ".progress") is None
    True
    >>> _ = (d / ".progress").write_text("40 -1")
    >>> read_progress_file(d / ".progress")
    (40, None)
    >>> _ = (d / ".progress").write_text("torn")
    >>> read_progress_file(d / ".progress") is None
    True
    """
    try:
        text = Path(path).read_text()
        gen, total = text.split()
        total = int(total)
        return int(gen), (total if total >= 0 else None)
    except (OSError, ValueError):
        return None


class Progress:
    """Progress of one stage: items with units of work, done / total, throughput, ETA.

    Parameters
    ----------
    stage : str
        What is being done ("runs", "calibration", "modularity", ...), shown first.
    items : int or sequence of (label, units)
        The items, in order; an int ``n`` means ``n`` unlabelled items of one unit each.
    mode : {"auto", "bar", "lines", "quiet"}
    stream : file, default sys.stderr
    clock : callable, default time.monotonic
        Seconds; tests pass a fake clock.
    window : float
        Seconds of recent progress the throughput is measured over.
    line_interval : float
        In ``"lines"`` mode, the most often a status line is printed between finished items.
    unit : str
        Name of a unit in the status line ("gen" for generations).

    Examples
    --------
    A stage of unit items (one per network analysed), used like a counter:

    >>> import io
    >>> out = io.StringIO()
    >>> with Progress("modularity", 3, mode="lines", stream=out, clock=lambda: 0.0) as p:
    ...     for _ in range(3):
    ...         p.advance()
    >>> p.done, p.total
    (3, 3)
    """

    def __init__(self, stage: str, items: int | Sequence[tuple[str, float]], *, mode: str = "auto",
                 stream=None, clock: Callable[[], float] = time.monotonic, window: float = 120.0,
                 line_interval: float = 60.0, bar_interval: float = 0.5, unit: str = "gen"):
        if isinstance(items, int):
            items = [("", 1.0)] * items
        self.stage = stage
        self.labels = [str(label) for label, _ in items]
        self.units = [float(u) for _, u in items]
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "lines"
        if mode not in ("bar", "lines", "quiet"):
            raise ValueError(f"progress mode must be auto, bar, lines or quiet, not {mode!r}")
        self.mode = mode
        self.clock = clock
        self.window = window
        self.line_interval = line_interval
        self.bar_interval = bar_interval
        self.unit = unit
        n = len(self.units)
        self._start = [None] * n            # first generation seen (a resumed run starts mid-way)
        self._current = [None] * n          # last generation seen
        self._t_start = [None] * n          # ... and when
        self._t_current = [None] * n
        self._history = [deque() for _ in range(n)]   # (time, generation) over the recent window
        self._finished = [False] * n
        self._files: dict[int, Path] = {}
        self._samples: deque = deque()      # (time, units done) since work was first seen
        self._t0 = clock()
        self._last_line = self._t0
        self._last_bar = -float("inf")
        self._bar_width = 0
        self.done = 0

    # ------------------------------------------------------------------ counts
    @property
    def total(self) -> int:
        return len(self.units)

    def units_done(self) -> float:
        """Units done in this session (a resumed run's earlier generations not counted)."""
        out = 0.0
        for i, cur in enumerate(self._current):
            if cur is not None:
                out += cur - self._start[i]
        return out

    def used_fraction(self) -> float:
        """The mean share of its maximum that a finished item used (1.0 until
        :data:`MIN_FINISHED` items have finished from their start): runs stopped by a stop rule
        (a solution, an adaptation's first perfect network) use a fraction of their maximum.

        Examples
        --------
        >>> t = [0.0]
        >>> p = Progress("adapt", [("r1", 5000), ("r2", 5000), ("r3", 5000), ("r4", 5000)],
        ...              mode="quiet", clock=lambda: t[0])
        >>> for i, gens in enumerate((50, 150, 100)):
        ...     p.update(i, 0); t[0] += 1.0; p.finish(i, units=gens)
        >>> p.used_fraction()                  # 100 of 5000 generations on average
        0.02
        >>> p.units_left()                     # the last run: its expected 100, not 5000
        100.0
        """
        used = [(self._current[i] - self._start[i]) / self.units[i] for i in range(self.total)
                if self._finished[i] and self._start[i] == 0 and self._current[i] is not None
                and self.units[i] > 0]
        if len(used) < MIN_FINISHED:
            return 1.0
        return min(max(float(sum(used) / len(used)), 1e-6), 1.0)

    def units_left(self) -> float:
        """Units expected to be left: each unfinished item's maximum scaled by
        :meth:`used_fraction`, less what it has done (an upper bound until items have finished)."""
        f = self.used_fraction()
        left = 0.0
        for i, u in enumerate(self.units):
            if not self._finished[i]:
                cur = self._current[i] or 0
                left += max(u * f - cur, 0.0)
        return left

    def running(self) -> list[int]:
        """Items that have reported progress and not finished."""
        return [i for i, cur in enumerate(self._current) if cur is not None and not self._finished[i]]

    # ------------------------------------------------------------------ updates
    def update(self, index: int, generation: float, total: float | None = None) -> None:
        """Item ``index`` has done ``generation`` units (of ``total``, if that is now known)."""
        self._observe(index, generation, total)
        self._sample()
        self.refresh()

    def _observe(self, index: int, generation: float, total: float | None) -> bool:
        if total is not None and total > 0:
            self.units[index] = float(total)
        if generation == self._current[index]:
            return False
        now = self.clock()
        if self._start[index] is None or generation < self._start[index]:
            self._start[index] = generation          # first seen, or restarted from a checkpoint
            self._t_start[index] = now
            self._history[index] = deque()
        self._current[index] = generation
        self._t_current[index] = now
        h = self._history[index]
        h.append((now, generation))
        while len(h) > 2 and h[1][0] <= now - self.window:
            h.popleft()
        return True

    def callback(self, index: int, every: float = 0.5) -> Callable:
        """A cheap ``progress(generation, total)`` callable for item ``index``, for a loop in
        this process: it forwards to :meth:`update` at most once per ``every`` seconds."""
        last = [-float("inf")]

        def report(generation, total=None):
            now = self.clock()
            if now - last[0] >= every:
                last[0] = now
                self.update(index, generation, total)
        return report

    def finish(self, index: int, note: str = "", units: float | None = None) -> None:
        """Item ``index`` is done; ``units``: the units it ended at, if known (a run's last
        generation).  Its remaining units are dropped from the units left."""
        if self._finished[index]:
            return
        if index in self._files:
            got = read_progress_file(self._files.pop(index))
            if got is not None:
                self._observe(index, got[0], got[1])
        if units is not None:
            if self._start[index] is None:           # never seen running: count it from 0
                self._start[index], self._t_start[index] = 0.0, self.clock()
            self._observe(index, max(units, self._current[index] or 0), None)
        self._finished[index] = True
        self.done += 1
        self._sample()
        if self.mode == "lines":
            label = self.labels[index]
            self._line(f"{self.stage} {self.done}/{self.total} done"
                       + (f": {label}" if label else "") + (f" ({note})" if note else "")
                       + f"; ETA {format_duration(self.eta())}")
        else:
            self.refresh(force=True)

    def advance(self, note: str = "") -> None:
        """Finish the next unfinished item (for stages that only count)."""
        for i, f in enumerate(self._finished):
            if not f:
                self.finish(i, note, units=self.units[i])
                return

    def watch(self, index: int, path: str | Path) -> None:
        """Read item ``index``'s generation from a :class:`FileReporter` file on :meth:`poll`."""
        self._files[index] = Path(path)

    def poll(self) -> None:
        """Read the progress files of the unfinished watched items, then refresh."""
        changed = False
        for i, path in list(self._files.items()):
            if self._finished[i]:
                continue
            got = read_progress_file(path)
            if got is not None:
                changed |= self._observe(i, got[0], got[1])
        if changed:
            self._sample()
        self.refresh()

    # ------------------------------------------------------------------ estimates
    def _sample(self) -> None:
        if all(s is None for s in self._start):
            return        # nothing seen yet: start-up and compilation are not throughput
        now = self.clock()
        done = self.units_done()
        if not self._samples and done > 0:
            # work already done when first seen (runs that finished between two reports):
            # it was done since the stage began
            self._samples.append((self._t0, 0.0))
        self._samples.append((now, done))
        while len(self._samples) > 2 and self._samples[1][0] <= now - self.window:
            self._samples.popleft()

    def rate(self) -> float | None:
        """Units per second across all items; None before any work is seen.

        The larger of two measures, both over the recent ``window`` seconds: the units done
        by all items, and the sum of the rates of the items running now (each from its own
        reports), which is right as soon as every worker has reported twice, even while
        others started late.
        """
        window = None
        if len(self._samples) >= 2:
            (t0, u0), (t1, u1) = self._samples[0], self._samples[-1]
            if t1 > t0 and u1 > u0:
                window = (u1 - u0) / (t1 - t0)
        running = 0.0
        for i in self.running():
            (t0, g0), (t1, g1) = self._history[i][0], self._history[i][-1]
            if t1 > t0:
                running += (g1 - g0) / (t1 - t0)
        best = max(window or 0.0, running)
        return best if best > 0 else None

    def eta(self) -> float | None:
        """Seconds left at the current rate; 0 when everything is done; None when unknown."""
        if self.done == self.total:
            return 0.0
        r = self.rate()
        return None if r is None else self.units_left() / r

    # ------------------------------------------------------------------ output
    def status(self, width: int | None = None) -> str:
        """One status line: stage, done/total, ETA, throughput, what is running."""
        parts = [f"{self.stage} {self.done}/{self.total} done", f"ETA {format_duration(self.eta())}"]
        r = self.rate()
        if r is not None:
            parts.append(f"{r:,.0f} {self.unit}/s" if r >= 10 else f"{r:,.2f} {self.unit}/s")
        run = self.running()
        if run:                       # last, where a narrow terminal cuts the line
            shown = [f"{self.labels[i]} {self.unit} {int(self._current[i]):,}/{int(self.units[i]):,}"
                     for i in run[:3]]
            more = f" +{len(run) - 3}" if len(run) > 3 else ""
            parts.append(f"running: {', '.join(shown)}{more}")
        text = " | ".join(parts)
        if width is not None and len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        return text

    def refresh(self, force: bool = False) -> None:
        now = self.clock()
        if self.mode == "bar":
            if force or now - self._last_bar >= self.bar_interval:
                self._last_bar = now
                width = shutil.get_terminal_size((100, 20)).columns - 1
                text = self.status(width)
                self.stream.write("\r" + text + " " * max(self._bar_width - len(text), 0))
                self._bar_width = len(text)
                self.stream.flush()
        elif self.mode == "lines":
            if force or now - self._last_line >= self.line_interval:
                self._line(self.status())

    def _line(self, text: str) -> None:
        self._last_line = self.clock()
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the stage's output (the bar's line is finished with a newline)."""
        if self.mode == "bar":
            self.refresh(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
