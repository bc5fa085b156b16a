"""Run folders: the layout of the runs tree, safe writes, a per-run lock, identity and resume.

This module is the only place that knows the layout of the runs tree::

    <root>/<experiment>/<treatment>/seed-N/                         runs            run_dir()
    <root>/<experiment>/calibration/<key>/seed-N/                   calibration     calibration_run_dir()
    <root>/<experiment>/adapt/<name>/net-<seed>/rep-<k>/            adaptation      adaptation_run_dir()
    <root>/<experiment>/adapt/sources/<treatment>/seed-N/           source trials   source_trial_dir()
    <root>/<experiment>/multiverse/<key>=<value>/<treatment>/seed-N/ multiverse     multiverse_run_dir()
    <root>/<experiment>/tables/                                     analysis output tables_dir()

Other modules build paths with these functions and find runs with :func:`iter_runs`;
nobody globs the tree. ``calibration``, ``adapt``, ``multiverse`` and ``tables`` are
reserved: no experiment or treatment may take these names.

A run folder holds::

    run.json         seed, treatment, overrides, protocol digest, package version (written first)
    protocol.json    the resolved protocol (all parameters, after treatment and --set overrides)
    log.csv          one row per logged generation (appended at each checkpoint)
    checkpoint.npz   the state needed to continue (population, generation, bookkeeping)
    result.json      written last: its presence means the run is finished
    network.txt      the best final network, mfinder edge list (``source target 1``, nodes from 1)
    .lock            the per-run lock (see :meth:`RunStore.prepare`)

Every file but ``log.csv`` is written to a temporary name and renamed, so a kill never
leaves a half-written file; files are readable by others (``0644`` under the usual umask)
and JSON never holds NaN (written as ``null``). ``log.csv`` is the one file that grows:
on resume, rows past the last checkpoint and a torn last row are dropped, so a resumed log
equals an uninterrupted one.

Safety: :meth:`RunStore.prepare` takes an exclusive lock, so two processes never work the
same run; a folder counts as the requested run only if its stored protocol has the same
digest (:func:`replication.protocol.protocol_digest`) and seed, otherwise
:class:`RunMismatch` names the differing keys; a folder that is not a run folder but holds
files is refused; only files a run wrote are ever deleted.
"""
from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ._version import __version__

# --------------------------------------------------------------------------- errors


class StoreError(ValueError):
    """A run folder or one of its files cannot be used; the message names the path.

    ``path`` holds the file or folder concerned (None where there is none).  A ``ValueError``,
    so callers that catch bad input catch it too; ``path`` survives pickling (worker processes).

    Examples
    --------
    >>> import pickle
    >>> err = pickle.loads(pickle.dumps(StoreError("runs/x: no such folder", "runs/x")))
    >>> str(err), err.path.as_posix(), isinstance(err, ValueError)
    ('runs/x: no such folder', 'runs/x', True)
    >>> iter_runs("no/such/folder").__next__()
    Traceback (most recent call last):
    ...
    replication.store.StoreError: no/such/folder: no such folder
    """

    def __init__(self, message: str, path: str | Path | None = None):
        super().__init__(message)
        self.path = None if path is None else Path(path)

    def __reduce__(self):               # keep ``path`` across process boundaries (worker pools)
        return (type(self), (str(self), self.path))


class RunMismatch(StoreError):
    """A run folder holds a run made with other parameters or another seed.

    Raised by :meth:`RunStore.check` (and so by :meth:`RunStore.prepare` and
    :meth:`RunStore.is_finished`): a run made otherwise is never counted as the requested one.

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> store = RunStore(Path(tempfile.mkdtemp()) / "seed-1")
    >>> store.prepare(p, 1); store.close()
    >>> try:
    ...     store.check(p, 2)
    ... except RunMismatch as err:
    ...     print(type(err).__name__, "seed: stored 1, requested 2" in str(err))
    RunMismatch True
    """


class RunLocked(StoreError):
    """Another process is working on this run (raised by ``prepare(..., wait=False)``).

    Examples
    --------
    A lock taken through another open file (as another process would hold it):

    >>> import fcntl, os, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> other = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT)
    >>> fcntl.flock(other, fcntl.LOCK_EX)
    >>> try:
    ...     RunStore(folder).lock(wait=False)
    ... except RunLocked as err:
    ...     print("another process" in str(err), err.path == folder)
    True True
    >>> os.close(other)
    >>> store = RunStore(folder); store.lock(wait=False); store.locked
    True
    >>> store.close()
    """


# --------------------------------------------------------------------------- layout
RUNS, CALIBRATION, ADAPTATION, MULTIVERSE = "runs", "calibration", "adapt", "multiverse"
SOURCES = "sources"              # additional trials that supply an adaptation's starting networks
KINDS = (RUNS, CALIBRATION, ADAPTATION, MULTIVERSE, SOURCES)
TABLES = "tables"
RESERVED = frozenset({CALIBRATION, ADAPTATION, MULTIVERSE, TABLES})

_SEED = re.compile(r"seed-(\d+)")
_NET = re.compile(r"net-(\d+)")
_REP = re.compile(r"rep-(\d+)")


def safe_part(name, what: str = "name") -> str:
    """``name`` if it can be one folder name in the runs tree, else a :class:`StoreError`.

    A safe part is a non-empty string of at most 255 characters, without ``/``, ``\\`` or
    NUL, not starting with ``.`` (so neither ``.`` nor ``..``), not one of the reserved
    names (``calibration``, ``adapt``, ``multiverse``, ``tables``) and not shaped like a run
    folder's name (``seed-N``, ``net-N``, ``rep-N``). Experiment, treatment,
    calibration-key, adaptation and multiverse names become folder names, so a name such
    as ``../../x`` could otherwise write outside the runs folder.

    Examples
    --------
    >>> safe_part("mvg", "treatment")
    'mvg'
    >>> safe_part("../x", "treatment")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.store.StoreError: treatment '../x' cannot be a folder name: one path part, ...
    """
    if not isinstance(name, str) or not name or len(name) > 255 or name.startswith(".") \
            or any(c in name for c in "/\\\0"):
        raise StoreError(f"{what} {name!r} cannot be a folder name: one path part, "
                         "without '/', '\\' or NUL, not starting with '.'")
    if name in RESERVED:
        raise StoreError(f"{what} {name!r} cannot be a folder name: {sorted(RESERVED)} are reserved "
                         "for the runs tree's own folders")
    if _SEED.fullmatch(name) or _NET.fullmatch(name) or _REP.fullmatch(name):
        raise StoreError(f"{what} {name!r} cannot be a folder name: seed-N, net-N and rep-N "
                         "name run folders")
    return name


def _seed_part(seed, prefix: str = "seed") -> str:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise StoreError(f"{prefix} {seed!r} must be a non-negative integer")
    return f"{prefix}-{int(seed)}"


def experiment_dir(root: str | Path, experiment: str) -> Path:
    """The folder of one experiment: ``<root>/<experiment>/``.

    Examples
    --------
    >>> experiment_dir("runs", "ka2005_logic").as_posix()
    'runs/ka2005_logic'
    """
    return Path(root) / safe_part(experiment, "experiment")


def run_dir(root: str | Path, experiment: str, treatment: str, seed: int) -> Path:
    """The folder of one run: ``<root>/<experiment>/<treatment>/seed-<seed>/``.

    Examples
    --------
    >>> run_dir("runs", "ka2005_logic", "mvg", 3).as_posix()
    'runs/ka2005_logic/mvg/seed-3'
    """
    return experiment_dir(root, experiment) / safe_part(treatment, "treatment") / _seed_part(seed)


def write_result(root: str | Path, experiment: str, treatment: str, seed: int, **values) -> Path:
    """A finished run as the readers see it: ``result.json`` (treatment, seed and ``values``) in
    :func:`run_dir`; returns the folder.  For examples and tests of the readers, figures and
    report (a real run writes its folder through :mod:`replication.evolve`).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> folder = write_result(root, "clune2013_retina", "pcc", 2, q=0.45)
    >>> read_json(folder / "result.json")
    {'q': 0.45, 'seed': 2, 'treatment': 'pcc'}
    """
    folder = run_dir(root, experiment, treatment, seed)
    write_json(folder / "result.json", {"treatment": treatment, "seed": seed, **values})
    return folder


def calibration_dir(root: str | Path, experiment: str, key: str) -> Path:
    """The folder of one calibration: ``<root>/<experiment>/calibration/<key>/``.

    It holds ordinary run folders ``seed-N/`` (see :func:`calibration_run_dir`).

    Examples
    --------
    >>> calibration_dir("runs", "ka2005_logic", "3f2a").as_posix()
    'runs/ka2005_logic/calibration/3f2a'
    """
    return experiment_dir(root, experiment) / CALIBRATION / safe_part(key, "calibration key")


def calibration_run_dir(root: str | Path, experiment: str, key: str, seed: int) -> Path:
    """One calibration run: ``<root>/<experiment>/calibration/<key>/seed-<seed>/``.

    Examples
    --------
    >>> calibration_run_dir("runs", "ka2005_logic", "3f2a", 1).as_posix()
    'runs/ka2005_logic/calibration/3f2a/seed-1'
    """
    return calibration_dir(root, experiment, key) / _seed_part(seed)


def adaptation_dir(root: str | Path, experiment: str, name: str) -> Path:
    """The folder of one adaptation experiment: ``<root>/<experiment>/adapt/<name>/``.

    It holds ``net-<seed>/rep-<k>/`` run folders (see :func:`adaptation_run_dir`).

    Examples
    --------
    >>> adaptation_dir("runs", "clune2013_retina", "pcc-AND-to-OR").as_posix()
    'runs/clune2013_retina/adapt/pcc-AND-to-OR'
    """
    return experiment_dir(root, experiment) / ADAPTATION / safe_part(name, "adaptation name")


def adaptation_run_dir(root: str | Path, experiment: str, name: str, net_seed: int, replicate: int) -> Path:
    """One adaptation run: ``<root>/<experiment>/adapt/<name>/net-<net_seed>/rep-<replicate>/``.

    ``net_seed`` is the seed of the run whose network the adaptation starts from.

    Examples
    --------
    >>> adaptation_run_dir("runs", "clune2013_retina", "pcc-AND-to-OR", 4, 2).as_posix()
    'runs/clune2013_retina/adapt/pcc-AND-to-OR/net-4/rep-2'
    """
    return (adaptation_dir(root, experiment, name) / _seed_part(net_seed, "net")
            / _seed_part(replicate, "rep"))


def source_trial_dir(root: str | Path, experiment: str, treatment: str, seed: int) -> Path:
    """One additional source trial: ``<root>/<experiment>/adapt/sources/<treatment>/seed-<seed>/``.

    An ordinary run of ``treatment``, run only to supply perfect starting networks for the
    adaptation experiment (2013: "we ran additional trials until 50 P&CC and 50 PA trials
    each had a perfectly performing network"); kept apart so the treatment's own sample
    (its ``run.runs`` runs) is not enlarged by them.

    Examples
    --------
    >>> source_trial_dir("runs", "clune2013_retina", "pa", 51).as_posix()
    'runs/clune2013_retina/adapt/sources/pa/seed-51'
    """
    return source_trials_dir(experiment_dir(root, experiment), treatment) / _seed_part(seed)


def source_trials_dir(experiment_folder: str | Path, treatment: str) -> Path:
    """The folder of one treatment's additional source trials:
    ``<experiment folder>/adapt/sources/<treatment>/`` (see :func:`source_trial_dir`).

    Examples
    --------
    >>> source_trials_dir("runs/clune2013_retina", "pa").as_posix()
    'runs/clune2013_retina/adapt/sources/pa'
    """
    return Path(experiment_folder) / ADAPTATION / SOURCES / safe_part(treatment, "treatment")


def is_source_trial(folder: str | Path) -> bool:
    """Whether a run folder is an additional source trial (:func:`source_trial_dir`) rather
    than one of its treatment's own runs; only the path is read.

    Examples
    --------
    >>> is_source_trial("runs/e/adapt/sources/pa/seed-51"), is_source_trial("runs/e/pa/seed-3")
    (True, False)
    """
    parts = Path(folder).parts
    return len(parts) >= 4 and parts[-3] == SOURCES and parts[-4] == ADAPTATION


def _value_part(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        raise StoreError(f"multiverse value {value!r} is not finite")
    return str(value)


def multiverse_dir(root: str | Path, experiment: str, key: str, value) -> Path:
    """The folder of one protocol variant: ``<root>/<experiment>/multiverse/<key>=<value>/``.

    It is laid out like an experiment folder: ``<treatment>/seed-N/`` run folders
    (see :func:`multiverse_run_dir`). Booleans are written ``true`` / ``false``.

    Examples
    --------
    >>> multiverse_dir("runs", "ka2005_logic", "selection.tie_break", "random").as_posix()
    'runs/ka2005_logic/multiverse/selection.tie_break=random'
    """
    part = f"{safe_part(key, 'multiverse key')}={_value_part(value)}"
    return experiment_dir(root, experiment) / MULTIVERSE / safe_part(part, "multiverse variant")


def multiverse_run_dir(root: str | Path, experiment: str, key: str, value, treatment: str,
                       seed: int) -> Path:
    """One run of a protocol variant: ``<multiverse_dir>/<treatment>/seed-<seed>/``.

    Examples
    --------
    >>> multiverse_run_dir("runs", "ka2005_logic", "selection.elite", 200, "mvg", 1).as_posix()
    'runs/ka2005_logic/multiverse/selection.elite=200/mvg/seed-1'
    """
    return (multiverse_dir(root, experiment, key, value) / safe_part(treatment, "treatment")
            / _seed_part(seed))


def tables_dir(experiment_folder: str | Path) -> Path:
    """Where analysis writes its tables for one experiment: ``<experiment folder>/tables/``.

    Examples
    --------
    >>> tables_dir("runs/ka2005_logic").as_posix()
    'runs/ka2005_logic/tables'
    """
    return Path(experiment_folder) / TABLES


# --------------------------------------------------------------------------- finding runs
@dataclass(frozen=True)
class RunRecord:
    """One run folder found by :func:`iter_runs`.

    ``kind`` is ``"runs"``, ``"calibration"``, ``"adapt"``, ``"multiverse"`` or ``"sources"``
    (an adaptation's additional source trial, :func:`source_trial_dir`);
    ``treatment`` is None where the layout does not name it (calibration, adaptation: see
    ``run_meta``); ``variant`` is the calibration key, the adaptation name or the
    multiverse ``key=value``; ``seed`` is the run's seed (for an adaptation run, the seed of
    the run it started from: ``net-<seed>``), ``replicate`` the adaptation's ``rep-<k>``.
    ``result``, ``run_meta`` and ``protocol`` read the folder's files on first use.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> write_json(adaptation_run_dir(root, "exp", "pa-AND-to-OR", 7, 2) / "result.json", {"generations_run": 12})
    >>> rec = next(iter_runs(root, include=("adapt",)))
    >>> rec.kind, rec.experiment, rec.variant, rec.seed, rec.replicate, rec.finished
    ('adapt', 'exp', 'pa-AND-to-OR', 7, 2, True)
    >>> rec.result
    {'generations_run': 12}
    """
    folder: Path
    experiment: str
    treatment: str | None
    seed: int
    kind: str = RUNS
    variant: str | None = None
    replicate: int | None = None

    @property
    def finished(self) -> bool:
        return (self.folder / "result.json").exists()

    @cached_property
    def result(self) -> dict:
        """The content of ``result.json``."""
        return read_json(self.folder / "result.json")

    @cached_property
    def run_meta(self) -> dict:
        """The content of ``run.json`` (seed, treatment, overrides, digest, version)."""
        return read_json(self.folder / "run.json")

    @cached_property
    def protocol(self):
        """The resolved :class:`~replication.protocol.Protocol` the run was made with."""
        from .protocol import build_protocol
        path = self.folder / "protocol.json"
        data = read_json(path)
        try:
            exp = data["experiment"]
            return build_protocol(str(path), exp["name"], exp["kind"], exp["treatment"], data)
        except (KeyError, TypeError) as exc:
            raise StoreError(f"{path}: not a resolved protocol (missing {exc})", path) from None


def _natural(path: Path):
    return [int(t) if i % 2 else t for i, t in enumerate(re.split(r"(\d+)", path.name))]


def _record(shown: Path, parts: tuple[str, ...]) -> RunRecord | None:
    """Classify a run folder by its place in the tree; ``parts``: its absolute path parts."""
    name = parts[-1]
    seed = _SEED.fullmatch(name)
    if seed:
        if len(parts) >= 5 and parts[-3] == SOURCES and parts[-4] == ADAPTATION:
            return RunRecord(shown, parts[-5], parts[-2], int(seed[1]), SOURCES)
        if len(parts) >= 4 and parts[-3] == CALIBRATION:
            return RunRecord(shown, parts[-4], None, int(seed[1]), CALIBRATION, parts[-2])
        if len(parts) >= 5 and parts[-4] == MULTIVERSE:
            return RunRecord(shown, parts[-5], parts[-2], int(seed[1]), MULTIVERSE, parts[-3])
        if len(parts) >= 3 and not RESERVED & {parts[-3], parts[-2]}:   # e.g. not below tables/
            return RunRecord(shown, parts[-3], parts[-2], int(seed[1]))
        return None
    rep = _REP.fullmatch(name)
    net = _NET.fullmatch(parts[-2]) if len(parts) >= 2 else None
    if rep and net and len(parts) >= 5 and parts[-4] == ADAPTATION:
        return RunRecord(shown, parts[-5], None, int(net[1]), ADAPTATION, parts[-3], int(rep[1]))
    return None


def _is_run_name(parts: tuple[str, ...]) -> bool:
    return bool(_SEED.fullmatch(parts[-1]) or (_REP.fullmatch(parts[-1]) and len(parts) >= 2
                                                and _NET.fullmatch(parts[-2])))


def iter_runs(folder: str | Path, *, finished_only: bool = True,
              include: tuple[str, ...] = (RUNS,)) -> Iterator[RunRecord]:
    """Every run folder below ``folder``, as :class:`RunRecord` objects, in a stable order.

    ``folder`` may be a runs root, an experiment folder, a treatment folder, a
    calibration / adaptation / multiverse folder (or one of their sub-folders) or one run
    folder. ``include`` names the kinds of runs wanted (``"runs"``, ``"calibration"``,
    ``"adapt"``, ``"multiverse"``, ``"sources"``): the walk does not descend from an experiment
    folder into ``calibration/``, ``adapt/`` or ``multiverse/`` unless their kind (for
    ``adapt/``: ``"adapt"`` or ``"sources"``) is included,
    and never into ``tables/`` or hidden folders; started inside such a folder, it yields
    that folder's runs whatever ``include`` says. With ``finished_only`` (the default) only
    runs with a ``result.json``; otherwise every run folder with a ``run.json`` or
    ``result.json``. Order: depth first, names in natural order (``seed-2`` before
    ``seed-10``).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for d in (run_dir(root, "exp", "mvg", 10), run_dir(root, "exp", "mvg", 2),
    ...           calibration_run_dir(root, "exp", "k1", 1)):
    ...     write_json(d / "result.json", {})
    >>> [(r.treatment, r.seed) for r in iter_runs(root / "exp")]
    [('mvg', 2), ('mvg', 10)]
    >>> [(r.kind, r.variant, r.seed) for r in iter_runs(root, include=("calibration",))]
    [('calibration', 'k1', 1)]
    """
    folder = Path(folder)
    unknown = set(include) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown run kinds {sorted(unknown)}; choose among {list(KINDS)}")
    if not folder.is_dir():
        raise StoreError(f"{folder}: no such folder", folder)
    start = Path(os.path.abspath(folder)).parts

    def wanted(rec: RunRecord, parts) -> bool:
        if rec.kind in include:
            return True
        depth_of_kind = {CALIBRATION: 3, MULTIVERSE: 4, ADAPTATION: 4, SOURCES: 3}.get(rec.kind)
        # started at or below the kind's own folder (e.g. iter_runs(exp / "calibration"))
        return depth_of_kind is not None and len(start) >= len(parts) - depth_of_kind + 1

    def walk(path: Path, parts: tuple[str, ...], depth: int):
        if _is_run_name(parts):
            rec = _record(path, parts)
            if rec is not None and wanted(rec, parts) and (
                    rec.finished if finished_only
                    else (path / "run.json").exists() or rec.finished):
                yield rec
            return
        if depth >= 6:
            return
        children = sorted((c for c in path.iterdir() if c.is_dir() and not c.name.startswith(".")),
                          key=_natural)
        for child in children:
            if child.name == TABLES or (child.name in RESERVED and child.name not in include
                                        and not (child.name == ADAPTATION and SOURCES in include)):
                continue
            yield from walk(child, parts + (child.name,), depth + 1)

    yield from walk(folder, start, 0)


# --------------------------------------------------------------------------- files
def _umask() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A kill leaves either the old file or the new one, never a half-written one. The file
    gets the permissions ``open()`` would give (0644 under the usual umask 022), not the
    0600 of a bare temporary file. An ``OSError`` (full disk, unwritable folder) becomes a
    one-line :class:`StoreError` naming ``path``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomic(p, "hello\\n")
    >>> p.read_text()
    'hello\\n'
    """
    path = Path(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):            # full disk, unwritable folder, a file in the way
            raise StoreError(f"{path}: cannot write ({exc.strerror or exc})", path) from None
        raise


def json_safe(obj):
    """``obj`` with NaN and infinities turned into None and numpy values into Python ones.

    Examples
    --------
    >>> json_safe({"q": float("nan"), "x": [1.5, float("inf")], "n": np.int64(3)})
    {'q': None, 'x': [1.5, None], 'n': 3}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        return json_safe(obj.item())
    if isinstance(obj, Mapping):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def write_json(path: Path, obj) -> None:
    """Write ``obj`` as sorted, indented JSON, atomically; NaN and infinities become ``null``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.json"
    >>> write_json(p, {"q": float("nan"), "n": 2})
    >>> p.read_text()
    '{\\n  "n": 2,\\n  "q": null\\n}\\n'
    """
    write_atomic(path, json.dumps(json_safe(obj), indent=2, sort_keys=True, allow_nan=False) + "\n")


def read_json(path: Path):
    """The content of a JSON file; a corrupt file raises a one-line :class:`StoreError`.

    A missing file raises ``FileNotFoundError`` as usual.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "bad.json"
    >>> _ = p.write_text('{"a": 1')
    >>> try:
    ...     read_json(p)
    ... except StoreError as exc:
    ...     print(str(exc).replace(str(p), "bad.json"))
    bad.json: corrupt JSON (line 1, column 8: Expecting ',' delimiter)
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: corrupt JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                         path) from None
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path}: corrupt JSON (not UTF-8 at byte {exc.start})", path) from None


_ABSENT = type("Absent", (), {"__repr__": lambda self: "<absent>"})()


def _as_json(value) -> str:
    return "<absent>" if value is _ABSENT else json.dumps(json_safe(value), sort_keys=True)


def differing_keys(a: Mapping, b: Mapping, prefix: str = "") -> list[tuple[str, object, object]]:
    """The dotted keys whose values differ between two nested mappings, sorted.

    Each entry is ``(dotted key, value in a, value in b)``; a key missing on one side has the
    value ``<absent>`` there. Mappings are compared key by key, everything else (lists
    included) as a whole, by its JSON text (as the protocol digest sees it: ``1`` and
    ``1.0`` differ, ``(1, 2)`` and ``[1, 2]`` do not).

    Examples
    --------
    >>> differing_keys({"run": {"seed": 1, "n": 5}, "x": [1, 2]},
    ...                {"run": {"seed": 2, "n": 5}, "x": [1, 2], "y": 0})
    [('run.seed', 1, 2), ('y', <absent>, 0)]
    """
    out = []
    for key in sorted(set(a) | set(b), key=str):
        va, vb = a.get(key, _ABSENT), b.get(key, _ABSENT)
        dotted = f"{prefix}{key}"
        if isinstance(va, Mapping) and isinstance(vb, Mapping):
            out += differing_keys(va, vb, dotted + ".")
        elif _as_json(va) != _as_json(vb):
            out.append((dotted, va, vb))
    return out


# --------------------------------------------------------------------------- the lock
# Locks this process holds: lock-file path -> (file descriptor, token of the owning RunStore).
_HELD: dict[str, tuple[int, object]] = {}

_OUR_FILES = frozenset({"run.json", "protocol.json", "log.csv", "checkpoint.npz", "result.json",
                        "network.txt", ".lock"})
_TMP = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")     # write_atomic's temporary files


class RunStore:
    """One run folder: identity, lock, checkpoint, log and result.

    The loop calls :meth:`prepare` first, then :meth:`load`, :meth:`save` /
    :meth:`append_log` while it runs and :meth:`write_result` at the end.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(Path(tempfile.mkdtemp()) / "seed-1")
    >>> store.finished
    False
    >>> store.path.mkdir(); store.lock(wait=False); store.locked
    True
    >>> store.close(); store.locked
    False
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock_key: str | None = None
        self._token = object()

    # ----- lock
    @property
    def locked(self) -> bool:
        """Whether this object holds the folder's lock."""
        held = _HELD.get(self._lock_key) if self._lock_key else None
        return held is not None and held[1] is self._token

    def lock(self, *, wait: bool = True) -> None:
        """Take the run's exclusive lock (``<run>/.lock``, ``fcntl.flock``).

        Blocks until the lock is free, or raises :class:`RunLocked` with ``wait=False``. The
        lock excludes other processes; within one process, a new ``RunStore`` on the same
        folder takes over a lock left held by an earlier one (e.g. a run halted without
        clean-up). Released by :meth:`close`, :meth:`write_result` or the end of the process.
        """
        if self.locked:
            return
        key = os.path.realpath(self.path / ".lock")
        held = _HELD.get(key)
        if held is not None:                       # this process holds it already: take over
            _HELD[key] = (held[0], self._token)
            self._lock_key = key
            return
        fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise RunLocked(f"{self.path}: another process{f' (pid {other})' if other else ''} "
                            "is working on this run", self.path) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[key] = (fd, self._token)
        self._lock_key = key

    def close(self) -> None:
        """Release the lock if this object holds it (idempotent)."""
        if self.locked:
            fd, _ = _HELD.pop(self._lock_key)
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self._lock_key = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:       # interpreter shutdown: the OS releases the lock anyway
            pass

    # ----- identity
    def _refuse_foreign(self) -> None:
        if not self.path.exists():
            return
        if not self.path.is_dir():
            raise StoreError(f"{self.path}: exists and is not a folder; refusing to use it as a run folder",
                             self.path)
        if (self.path / "run.json").exists():
            return
        foreign = sorted(p.name for p in self.path.iterdir()
                         if p.name != ".lock" and not _TMP.fullmatch(p.name))
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise StoreError(f"{self.path}: not a run folder (no run.json) but holds files ({shown}); "
                             "refusing to write into it: choose a new or empty folder", self.path)

    def _remove_stale_tmp(self) -> None:
        for p in self.path.iterdir():
            if _TMP.fullmatch(p.name) and p.is_file():
                p.unlink()

    def check(self, protocol, seed: int) -> None:
        """Raise :class:`RunMismatch` unless the folder is empty or holds the run of (protocol, seed).

        The stored ``protocol.json`` and the requested protocol must have the same digest
        (:func:`~replication.protocol.protocol_digest`: bookkeeping keys left out) and
        ``run.json`` the same seed; the message names the folder and every differing dotted
        key with the stored and the requested value.
        """
        from .protocol import protocol_digest
        run_json = self.path / "run.json"
        if not run_json.exists():
            return
        meta = read_json(run_json)
        if not isinstance(meta, dict):
            raise StoreError(f"{run_json}: not a run description (a JSON object)", run_json)
        diffs = []
        if meta.get("seed") != int(seed):
            diffs.append(("seed", meta.get("seed", _ABSENT), int(seed)))
        stored_path = self.path / "protocol.json"
        if stored_path.exists():
            stored = read_json(stored_path)
            if not isinstance(stored, dict):
                raise StoreError(f"{stored_path}: not a resolved protocol (a JSON object)", stored_path)
            if protocol_digest(stored) != protocol.digest:
                keys = protocol_differences(stored, json.loads(protocol.to_json()))
                diffs += keys or [("protocol digest", protocol_digest(stored), protocol.digest)]
        elif meta.get("protocol_digest") != protocol.digest:
            diffs.append(("protocol digest", meta.get("protocol_digest", _ABSENT), protocol.digest))
        if diffs:
            listed = "; ".join(f"{k}: stored {v_old!r}, requested {v_new!r}" for k, v_old, v_new in diffs)
            raise RunMismatch(f"{self.path} holds a run made with other parameters ({listed}); "
                              "use another --out or remove that folder", self.path)

    def is_finished(self, protocol, seed: int) -> bool:
        """Whether the folder holds the finished run of (protocol, seed).

        Raises :class:`RunMismatch` if it holds another run; takes no lock.
        """
        self._refuse_foreign()
        self.check(protocol, seed)
        return self.finished and (self.path / "run.json").exists()

    def prepare(self, protocol, seed: int, overrides=(), *, wait: bool = True) -> None:
        """Lock the run folder, then create it or check that it holds this very run.

        Takes the run's lock (:meth:`lock`; ``wait=False`` raises :class:`RunLocked` if
        another process holds it), then reads the folder afresh: a run another process
        finished meanwhile is simply :attr:`finished` (the lock is then released at once).
        A folder holding another run raises :class:`RunMismatch` (see :meth:`check`); a
        folder without ``run.json`` that holds files raises :class:`StoreError` and is not
        written into; stale temporary files of :func:`write_atomic` are removed.
        """
        self._refuse_foreign()
        self.path.mkdir(parents=True, exist_ok=True)
        self.lock(wait=wait)
        try:
            self._refuse_foreign()                 # the folder may have changed while we waited
            self._remove_stale_tmp()
            if (self.path / "run.json").exists():
                self.check(protocol, seed)
                if not (self.path / "protocol.json").exists():     # killed between the two writes
                    write_atomic(self.path / "protocol.json", protocol.to_json() + "\n")
            else:
                meta = {"experiment": protocol.name, "treatment": protocol.treatment, "seed": int(seed),
                        "protocol_digest": protocol.digest, "protocol_source": protocol.source,
                        "overrides": [f"{k}={v!r}" for k, v in overrides], "version": __version__}
                write_json(self.path / "run.json", meta)           # first: marks the folder as ours
                write_atomic(self.path / "protocol.json", protocol.to_json() + "\n")
            if self.finished:
                self.close()
        except BaseException:
            self.close()
            raise

    # ----- result
    @property
    def finished(self) -> bool:
        return (self.path / "result.json").exists()

    def result(self) -> dict:
        return read_json(self.path / "result.json")

    def write_result(self, result: dict, network_edges=None) -> None:
        """Write network.txt, then result.json (the run is finished), drop the checkpoint, unlock."""
        if network_edges is not None:
            text = "".join(f"{a} {b} 1\n" for a, b in network_edges)
            write_atomic(self.path / "network.txt", text)
        write_json(self.path / "result.json", result)
        ckpt = self.path / "checkpoint.npz"
        if ckpt.exists():
            ckpt.unlink()
        self.close()

    # ----- checkpoint + log
    def save(self, generation: int, arrays: dict, state: dict, log_header, log_rows) -> None:
        """Append pending log rows, then atomically replace the checkpoint."""
        self.append_log(log_header, log_rows)
        buf = io.BytesIO()
        np.savez(buf, **arrays, _state=np.frombuffer(json.dumps(
            {"generation": generation, **state}).encode(), dtype=np.uint8))
        write_atomic(self.path / "checkpoint.npz", buf.getvalue())

    def load(self):
        """(generation, arrays, state) of the last checkpoint, or None; repairs log.csv.

        Without a checkpoint the run starts afresh and a log.csv left by it is removed; this
        is only done in a folder whose ``run.json`` marks it as a run folder.
        """
        ckpt = self.path / "checkpoint.npz"
        if not ckpt.exists():
            log = self.path / "log.csv"
            if log.exists():
                if not (self.path / "run.json").exists():
                    raise StoreError(f"{self.path}: not a run folder (no run.json); "
                                     "refusing to remove its log.csv", self.path)
                log.unlink()
            return None
        try:
            with np.load(ckpt) as data:
                arrays = {k: data[k] for k in data.files if k != "_state"}
                state = json.loads(bytes(data["_state"]).decode())
            generation = state.pop("generation")
        except Exception as exc:
            raise StoreError(f"{ckpt}: corrupt checkpoint ({type(exc).__name__}: {exc})".replace("\n", " "),
                             ckpt) from None
        self._truncate_log(generation)
        return generation, arrays, state

    def append_log(self, header, rows) -> None:
        if not rows:
            return
        log = self.path / "log.csv"
        new = not log.exists() or log.stat().st_size == 0
        with open(log, "a", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(header)
            w.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())

    def _read_log_rows(self, *, drop_torn: bool) -> list[list[str]]:
        """The rows of log.csv (header first), each with the header's column count.

        With ``drop_torn`` a torn last row (no line end, wrong column count or unparsable
        generation) is dropped; any other malformed row is a :class:`StoreError`.
        """
        log = self.path / "log.csv"
        try:
            with open(log, newline="", encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError as exc:
            raise StoreError(f"{log}: corrupt log (not UTF-8 at byte {exc.start})", log) from None
        torn_end = bool(text) and not text.endswith("\n")
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise StoreError(f"{log}: corrupt log ({exc})", log) from None
        if drop_torn and torn_end:
            rows = rows[:-1]
        rows = [r for r in rows if r]
        if not rows:
            return []
        header = rows[0]

        def ok(row):
            if len(row) != len(header):
                return False
            try:
                int(row[0])
            except ValueError:
                return False
            return True

        if drop_torn and len(rows) > 1 and not ok(rows[-1]):
            rows = rows[:-1]
        for i, row in enumerate(rows[1:], start=2):
            if not ok(row):
                raise StoreError(f"{log}: corrupt log (row {i}: {len(row)} fields where the header has "
                                 f"{len(header)}, or a generation that is not an integer)", log)
        return rows

    def _truncate_log(self, generation: int) -> None:
        log = self.path / "log.csv"
        if not log.exists():
            return
        rows = self._read_log_rows(drop_torn=True)
        keep = rows[:1] + [r for r in rows[1:] if int(r[0]) < generation]
        buf = io.StringIO()
        csv.writer(buf).writerows(keep)
        write_atomic(log, buf.getvalue())

    def read_log(self) -> list[dict]:
        """The rows of log.csv as dicts (header -> text); a corrupt log raises :class:`StoreError`."""
        rows = self._read_log_rows(drop_torn=False)
        return [dict(zip(rows[0], r)) for r in rows[1:]]


# --------------------------------------------------------------------------- re-analysed runs
#: Sections of a protocol that only the analysis reads (when the run neither selects on Q nor
#: traces it): runs that differ only here evolve identically, draw for draw.
ANALYSIS_SECTIONS = ("modularity",)

#: Keys that a protocol never reads when the predicate holds for it: with one objective
#: (``objectives.cost = "none"``, PA) NSGA-II has no other objective to order crowding ties by
#: (:func:`replication.selection.nsga2._crowding_into`), so the run is the same under either tie rule.
INERT_WHEN = {"selection.crowding_ties": lambda p: p.get("objectives", {}).get("cost") == "none"}


def protocol_differences(stored: Mapping, requested: Mapping) -> list[tuple[str, object, object]]:
    """:func:`differing_keys` of two resolved protocols as their digests compare them: a key at
    its legacy value (:data:`replication.protocol.LEGACY_DEFAULTS`) reads as absent, and the
    bookkeeping keys (:data:`replication.protocol.DIGEST_EXCLUDED`) are left out.

    Examples
    --------
    >>> protocol_differences({"retina": {}, "run": {"runs": 5}},
    ...                      {"retina": {"solved_on": "all"}, "run": {"runs": 50}})
    []
    >>> protocol_differences({"retina": {}}, {"retina": {"solved_on": "environment"}})
    [('retina.solved_on', <absent>, 'environment')]
    """
    import copy
    from .protocol import DIGEST_EXCLUDED, strip_legacy_defaults
    a, b = (strip_legacy_defaults(copy.deepcopy(dict(p))) for p in (stored, requested))
    return [d for d in differing_keys(a, b) if d[0] not in DIGEST_EXCLUDED]


def evolves_identically(stored: Mapping, requested: Mapping) -> list[str]:
    """The dotted keys that make two resolved protocols evolve differently (empty: identically).

    Keys of :data:`ANALYSIS_SECTIONS` do not count unless a protocol selects on modularity
    (``fitness.objective = "modularity"``, the Qmax calibration runs) or traces Q during the run
    (a ``[trace]`` table); the run's random streams depend on the seed only
    (:mod:`replication.rng`), so the genomes, logs and results are the same.

    Examples
    --------
    >>> a = {"modularity": {"method": "greedy"}, "fitness": {"objective": "goal"}}
    >>> evolves_identically(a, {**a, "modularity": {"method": "exact"}})
    []
    >>> q = {**a, "fitness": {"objective": "modularity"}}
    >>> evolves_identically(q, {**q, "modularity": {"method": "exact"}})
    ['modularity.method']
    >>> evolves_identically(a, {**a, "selection": {"elite": 200}})
    ['selection']

    A key added after a run was made reads, where the run's protocol lacks it, as its legacy
    value (:data:`replication.protocol.LEGACY_DEFAULTS`), as the digest reads it:

    >>> evolves_identically({"retina": {}}, {"retina": {"solved_on": "all"}})
    []
    >>> evolves_identically({"retina": {}}, {"retina": {"solved_on": "environment"}})
    ['retina.solved_on']

    A key the protocol never reads (:data:`INERT_WHEN`) does not count either:

    >>> pa = {"objectives": {"cost": "none"}, "selection": {"crowding_ties": "index"}}
    >>> evolves_identically(pa, {**pa, "selection": {"crowding_ties": "other-objective"}})
    []
    >>> pcc = {"objectives": {"cost": "length-optimal"}, "selection": {"crowding_ties": "index"}}
    >>> evolves_identically(pcc, {**pcc, "selection": {"crowding_ties": "other-objective"}})
    ['selection.crowding_ties']
    """
    reads_q = any(p.get("fitness", {}).get("objective") == "modularity" or "trace" in p
                  for p in (stored, requested))
    return [k for k, _, _ in protocol_differences(stored, requested)
            if (reads_q or k.split(".")[0] not in ANALYSIS_SECTIONS)
            and not (k in INERT_WHEN and INERT_WHEN[k](stored) and INERT_WHEN[k](requested))]


def reanalysis_run(source: str | Path, folder: str | Path, protocol, seed: int, overrides=()) -> dict:
    """Make ``folder`` the run of (protocol, seed) from the finished run in ``source``, which was
    made under a protocol that evolves identically (:func:`evolves_identically`): the same
    evolution, read under another analysis recipe (e.g. ``modularity.method = exact``).

    The folder gets its own ``run.json`` and ``protocol.json`` (the requested protocol), copies
    of ``log.csv``, ``network.txt`` and ``network.graphml``, and ``result.json`` with the
    requested protocol's digest and ``evolved_in`` = the source folder relative to this one.
    A folder that already holds the finished run is left as it is.  Raises
    :class:`StoreError` if the source is not finished or would have evolved differently.

    Returns the result.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> from replication.protocol import load_protocol
    >>> root = Path(tempfile.mkdtemp())
    >>> small = [("selection.population", 20), ("selection.elite", 6), ("run.max_generations", 5)]
    >>> _ = run_evolution("ka2005_logic", "mvg", 3, root / "a", dict(small))
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg", small + [("modularity.method", "exact")])
    >>> r = reanalysis_run(root / "a", root / "b", p, 3)
    >>> r["evolved_in"], r["protocol_digest"] == p.digest, r["genome"] == read_json(root / "a" / "result.json")["genome"]
    ('../a', True, True)
    >>> reanalysis_run(root / "a", root / "c", load_protocol("original_protocol/ka2005_logic.toml", "mvg"), 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.store.StoreError: ...: evolves differently from the requested run (run.max_generations, selection.elite, selection.population); run it instead
    """
    source, folder = Path(source), Path(folder)
    src = RunStore(source)
    if not src.finished:
        raise StoreError(f"{source}: not a finished run; run it before re-analysing it", source)
    stored = read_json(source / "protocol.json")
    if read_json(source / "run.json").get("seed") != int(seed):
        raise StoreError(f"{source}: a run of another seed than {seed}", source)
    differ = evolves_identically(stored, json.loads(protocol.to_json()))
    if differ:
        raise StoreError(f"{source}: evolves differently from the requested run ({', '.join(differ)}); "
                         "run it instead", source)
    dest = RunStore(folder)
    dest.prepare(protocol, seed, overrides)
    if dest.finished:
        return dest.result()
    try:
        for name in ("log.csv", "network.txt", "network.graphml"):
            if (source / name).exists():
                write_atomic(folder / name, (source / name).read_bytes())
        result = {**src.result(), "protocol_digest": protocol.digest,
                  "evolved_in": os.path.relpath(source, folder)}
        dest.write_result(result)
    finally:
        dest.close()
    return result
