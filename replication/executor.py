"""Many independent tasks (runs) on local processes or a Dask cluster.

A *task* is a top-level (picklable) function and its arguments, typically :func:`run_job`
on a :class:`Job`, one (protocol, treatment, seed) run.  :func:`run_tasks` runs a list of
tasks on one of four backends (:class:`Backend`) and returns their results in task order:

- ``jobs=1``: one after the other in this process;
- ``jobs=J``: a local pool of ``J`` spawned worker processes (the default backend for J > 1);
- ``cluster="local:N"``: a Dask ``LocalCluster`` of ``N`` worker processes;
- ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster;
- ``cluster_config="FILE.toml"``: a batch-system cluster (SLURM or PBS) through
  dask-jobqueue, described by a small TOML file (see :func:`load_cluster_config`).

Each run depends only on (protocol, seed) and writes its own folder, so results do not
depend on the backend, the number of workers or the order tasks finish in.  Every worker
runs numba with one thread: the workers are the parallelism.

Failures.  A Dask worker lost mid-run (killed, pre-empted, out of its wall time) makes the
scheduler run its task again on another worker; a task that raised is retried ``retries``
times.  A run resumes from its last checkpoint, so on a cluster the run folders must be on
storage every worker sees.  A run locked by another process (``store.RunLocked``, raised by
``RunStore.prepare(..., wait=False)``) is not waited on first: it goes to the end of the
queue and is run (waiting for the lock then) after every other task.

Local pool workers exit when the parent process dies (``prctl(PR_SET_PDEATHSIG)`` on
Linux, and everywhere a watchdog thread that compares ``os.getppid()``), so an interrupted
``replicate`` leaves no orphans computing.

Examples
--------
>>> from operator import add
>>> run_tasks([Task(add, (1, 2)), Task(add, (3, 4))])
[3, 7]
>>> Backend.from_options(jobs=4).describe()
'4 local worker processes'
"""
from __future__ import annotations

import inspect
import json
import os
import queue
import sys
import threading
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .progress import PROGRESS_FILE, FileReporter, Progress
from .protocol import build_protocol, load_protocol
from .store import RunStore, run_dir

POLL_SECONDS = 1.0


class ExecutorError(RuntimeError):
    """A backend cannot be set up (bad option, missing package, unreadable cluster config).

    Examples
    --------
    >>> try:
    ...     Backend.from_options(jobs=2, cluster="local:2")
    ... except ExecutorError as err:
    ...     print(err)
    --jobs is for the local process pool; with --cluster the cluster's workers are the parallelism
    """


def _run_locked_types() -> tuple:
    """``store.RunLocked`` where the store defines it (it is added on another branch)."""
    try:
        from .store import RunLocked
    except ImportError:
        return ()
    return (RunLocked,)


# ---------------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """One independent unit of work: ``fn(*args, **kwargs)``; ``fn`` must be picklable.

    label : shown by the progress reporter ("mvg seed-3").
    units : work it is worth, for the ETA (a run: its maximum number of generations).
    progress_file : set when ``fn`` takes a ``progress(done, total)`` callback: in another
        process it writes this file (read by :meth:`Progress.poll`); in this process it
        reports to the :class:`Progress` directly.
    lockable : ``fn`` takes ``wait=`` and, called with ``wait=False``, raises ``RunLocked``
        when another process holds its run; it is then deferred to the end of the queue.

    Examples
    --------
    >>> t = Task(divmod, (17, 5), label="17 / 5")
    >>> execute(t, worker=False)
    (3, 2)
    >>> run_tasks([t, Task(pow, (2, 10))])
    [(3, 2), 1024]
    """
    fn: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    units: float = 1.0
    progress_file: str | None = None
    lockable: bool = False


class _Deferred:
    """Returned (not raised) by a task whose run is locked elsewhere."""

    def __init__(self, message: str):
        self.message = message


def _limit_threads() -> None:
    """One numba (and OpenMP) thread in a worker process: the workers are the parallelism.

    Only before numba is imported: numba refuses a changed NUMBA_NUM_THREADS once its
    threads run, so a process that already uses numba (``--jobs 1``: this one) is left alone.
    """
    if "numba" not in sys.modules:
        os.environ.setdefault("NUMBA_NUM_THREADS", "1")
        os.environ.setdefault("OMP_NUM_THREADS", "1")


def execute(task: Task, wait: bool = True, progress: Callable | None = None, worker: bool = True) -> Any:
    """Run one task where this is called; a locked run comes back as a _Deferred.

    ``worker``: this is a worker process (limit numba to one thread); False in the caller's
    own process (``--jobs 1``), whose environment is left alone.

    A task with a ``progress_file`` gets a ``progress`` callback: ``progress`` if given, else a
    :class:`~replication.progress.FileReporter` on that file, removed when the task ends.

    Examples
    --------
    >>> def count(n, progress):
    ...     for i in range(n):
    ...         progress(i + 1, n)
    ...     return n
    >>> seen = []
    >>> execute(Task(count, (3,), progress_file="unused"), progress=lambda g, t: seen.append(g), worker=False)
    3
    >>> seen
    [1, 2, 3]
    """
    if worker:
        _limit_threads()
    kwargs = dict(task.kwargs)
    reporter = None
    if task.progress_file is None:
        pass                                 # fn takes no progress callback
    elif progress is not None:
        kwargs["progress"] = progress
    else:
        reporter = FileReporter(task.progress_file)
        kwargs["progress"] = reporter
    if task.lockable and not wait:
        kwargs["wait"] = False
    try:
        return task.fn(*task.args, **kwargs)
    except _run_locked_types() as exc:
        return _Deferred(str(exc))
    finally:
        if reporter is not None:
            reporter.remove()


# ---------------------------------------------------------------------------------- backends
@dataclass(frozen=True)
class Backend:
    """Where tasks run; build it with :meth:`from_options` (which checks the options).

    One of: this process (``jobs=1``), a local pool of ``jobs`` worker processes, a Dask
    ``LocalCluster`` (``cluster="local:N"``), an existing Dask cluster (``scheduler``), or a
    batch-system cluster described by a TOML file (``cluster_config``).

    Examples
    --------
    >>> Backend().describe(), Backend().dask
    ('1 process (this one)', False)
    >>> Backend.from_options(scheduler="tcp://head:8786").describe()
    'the Dask cluster at tcp://head:8786'
    >>> Backend.from_options(jobs=0)
    Traceback (most recent call last):
    ...
    replication.executor.ExecutorError: --jobs must be at least 1, not 0
    """
    jobs: int = 1
    cluster: str | None = None
    scheduler: str | None = None
    cluster_config: str | None = None
    retries: int = 3

    @classmethod
    def from_options(cls, jobs: int = 1, cluster: str | None = None, scheduler: str | None = None,
                     cluster_config: str | None = None, retries: int = 3) -> "Backend":
        """Check the command-line options: at most one of cluster, scheduler, cluster_config.

        >>> Backend.from_options(cluster="local:2").describe()
        'a Dask LocalCluster of 2 worker processes'
        >>> Backend.from_options(cluster="local:x")
        Traceback (most recent call last):
        ...
        replication.executor.ExecutorError: --cluster must be local:N with N >= 1, not 'local:x'
        """
        given = [name for name, v in (("--cluster", cluster), ("--scheduler", scheduler),
                                      ("--cluster-config", cluster_config)) if v]
        if len(given) > 1:
            raise ExecutorError(f"give at most one of {', '.join(given)}")
        if jobs < 1:
            raise ExecutorError(f"--jobs must be at least 1, not {jobs}")
        if given and jobs != 1:
            raise ExecutorError(f"--jobs is for the local process pool; with {given[0]} the "
                                f"cluster's workers are the parallelism")
        if cluster is not None:
            _local_workers(cluster)
        if cluster_config is not None:
            load_cluster_config(cluster_config)
        return cls(jobs, cluster, scheduler, cluster_config, retries)

    @property
    def dask(self) -> bool:
        return bool(self.cluster or self.scheduler or self.cluster_config)

    def describe(self) -> str:
        if self.cluster:
            return f"a Dask LocalCluster of {_local_workers(self.cluster)} worker processes"
        if self.scheduler:
            return f"the Dask cluster at {self.scheduler}"
        if self.cluster_config:
            cfg = load_cluster_config(self.cluster_config)
            return f"a {cfg['kind'].upper()} cluster ({self.cluster_config})"
        return "1 process (this one)" if self.jobs == 1 else f"{self.jobs} local worker processes"


def _local_workers(spec: str) -> int:
    kind, _, n = spec.partition(":")
    if kind != "local" or not n.isdigit() or int(n) < 1:
        raise ExecutorError(f"--cluster must be local:N with N >= 1, not {spec!r}")
    return int(n)


_JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}


def load_cluster_config(path: str | Path) -> dict:
    """Read a batch-system cluster description.

    The file names the batch system, how many workers to start (or an adaptive range), and
    the keyword arguments of dask-jobqueue's ``SLURMCluster`` / ``PBSCluster``::

        kind = "slurm"            # or "pbs"
        workers = 20              # cluster.scale(n=20); or: adapt = { minimum = 0, maximum = 50 }
        [options]                 # passed as is to dask_jobqueue.SLURMCluster(**options)
        queue = "normal"
        account = "myproject"
        cores = 1
        processes = 1
        memory = "1GB"
        walltime = "04:00:00"
        local_directory = "$TMPDIR"

    Returns ``{"kind", "workers", "adapt", "options"}``; raises :class:`ExecutorError`
    naming the file and key when something is wrong.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.toml"
    >>> _ = f.write_text('kind = "slurm"\\nworkers = 4\\n[options]\\ncores = 1\\nmemory = "1GB"\\n')
    >>> load_cluster_config(f)["options"]
    {'cores': 1, 'memory': '1GB'}
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ExecutorError(f"cannot read cluster config {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExecutorError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"kind", "workers", "adapt", "options"}
    if unknown:
        raise ExecutorError(f"{path}: unknown key(s) {sorted(unknown)}; expected kind, workers, "
                            f"adapt, [options]")
    kind = data.get("kind")
    if kind not in _JOBQUEUE:
        raise ExecutorError(f"{path}: kind must be one of {sorted(_JOBQUEUE)}, not {kind!r}")
    workers, adapt = data.get("workers"), data.get("adapt")
    if (workers is None) == (adapt is None):
        raise ExecutorError(f"{path}: give either workers = N or adapt = {{ minimum = .., maximum = .. }}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ExecutorError(f"{path}: workers must be a positive integer, not {workers!r}")
    if adapt is not None and (not isinstance(adapt, dict) or set(adapt) - {"minimum", "maximum"}):
        raise ExecutorError(f"{path}: adapt must be a table with minimum and/or maximum")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise ExecutorError(f"{path}: [options] must be a table of {_JOBQUEUE[kind]} arguments")
    return {"kind": kind, "workers": workers, "adapt": adapt, "options": options}


# ---------------------------------------------------------------------------------- running
def run_tasks(tasks: Sequence[Task], backend: Backend | None = None, progress: Progress | None = None,
              on_done: Callable[[int, Any], None] | None = None) -> list:
    """Run every task; return their results in task order.

    ``progress``: a :class:`Progress` over the same tasks (item i = task i), updated as
    tasks report and finish.  ``on_done(index, result)`` is called as each task finishes.
    A task's exception (after Dask's retries) is raised here.

    Examples
    --------
    >>> from operator import mul
    >>> finished = []
    >>> run_tasks([Task(mul, (2, 3)), Task(mul, (4, 5))], on_done=lambda i, r: finished.append(i))
    [6, 20]
    >>> sorted(finished), run_tasks([])
    ([0, 1], [])
    """
    backend = backend or Backend()
    tasks = list(tasks)
    if progress is not None:
        for i, t in enumerate(tasks):
            if t.progress_file is not None:
                progress.watch(i, t.progress_file)
    if not tasks:
        return []
    if backend.dask:
        runner = _run_dask
    elif backend.jobs > 1 and len(tasks) > 1:
        runner = _run_pool
    else:
        runner = _run_serial
    results: dict[int, Any] = {}

    def done(i, res):
        results[i] = res
        if progress is not None:
            progress.finish(i, units=_units_of(res))
        if on_done is not None:
            on_done(i, res)

    runner(tasks, backend, progress, done)
    return [results[i] for i in range(len(tasks))]


def _units_of(result) -> float | None:
    """The generations a run ended at (its result's generations_run), for the throughput."""
    if isinstance(result, dict) and isinstance(result.get("generations_run"), int):
        return float(result["generations_run"])
    return None


def _run_serial(tasks, backend, progress, done):
    todo = deque((i, True if not t.lockable else False) for i, t in enumerate(tasks))
    while todo:
        i, wait = todo.popleft()
        cb = progress.callback(i) if progress is not None and tasks[i].progress_file else None
        res = execute(tasks[i], wait=wait, progress=cb, worker=False)
        if isinstance(res, _Deferred):
            todo.append((i, True))
            continue
        done(i, res)


# ----- local process pool
def _pool_init(parent_pid: int) -> None:
    """Worker initializer: one numba thread; exit when the parent dies."""
    _limit_threads()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except Exception:
            pass
    if os.getppid() != parent_pid:          # the parent died before we got here
        os._exit(1)

    def watchdog():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)
    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()


def _run_pool(tasks, backend, progress, done):
    import multiprocessing as mp
    ctx = mp.get_context("spawn")          # fresh interpreters: no forked numba state
    finished: queue.Queue = queue.Queue()
    with ctx.Pool(min(backend.jobs, len(tasks)), initializer=_pool_init,
                  initargs=(os.getpid(),)) as pool:
        def submit(i, wait):
            pool.apply_async(execute, (tasks[i], wait),
                             callback=lambda res: finished.put((i, res, None)),
                             error_callback=lambda exc: finished.put((i, None, exc)))
        for i, t in enumerate(tasks):
            submit(i, not t.lockable)
        left = len(tasks)
        while left:
            try:
                i, res, exc = finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if progress is not None:
                    progress.poll()
                continue
            if exc is not None:
                raise exc
            if isinstance(res, _Deferred):
                submit(i, True)               # behind every task already queued
                continue
            left -= 1
            done(i, res)


# ----- Dask
def _dask_client(backend: Backend):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("the Dask backends need dask[distributed]: "
                            "pip install 'dask[distributed]'") from None
    if backend.scheduler:
        return Client(backend.scheduler, timeout="60s")
    if backend.cluster:
        import logging
        cluster = LocalCluster(n_workers=_local_workers(backend.cluster), threads_per_worker=1,
                               processes=True, dashboard_address=None, silence_logs=logging.ERROR,
                               env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
        return Client(cluster)
    cfg = load_cluster_config(backend.cluster_config)
    try:
        import dask_jobqueue
    except ImportError:
        raise ExecutorError(f"--cluster-config {backend.cluster_config} asks for a {cfg['kind']} "
                            f"cluster, which needs dask-jobqueue: pip install 'replication[cluster]' "
                            f"(or pip install dask-jobqueue)") from None
    cls = getattr(dask_jobqueue, _JOBQUEUE[cfg["kind"]])
    try:
        cluster = cls(**cfg["options"])
    except TypeError as exc:
        raise ExecutorError(f"{backend.cluster_config} [options]: {exc}") from None
    if cfg["workers"] is not None:
        cluster.scale(n=cfg["workers"])
    else:
        cluster.adapt(**cfg["adapt"])
    return Client(cluster)


def _run_dask(tasks, backend, progress, done):
    from distributed import wait as dask_wait
    client = _dask_client(backend)
    try:
        def submit(i, wait):
            return client.submit(execute, tasks[i], wait, key=f"task-{i}-{'w' if wait else 'n'}-"
                                 f"{os.getpid()}-{time.monotonic_ns()}",
                                 pure=False, retries=backend.retries)
        pending = {submit(i, not t.lockable): i for i, t in enumerate(tasks)}
        while pending:
            try:
                ready, _ = dask_wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                ready = ()
            if progress is not None:
                progress.poll()
            for fut in ready:
                i = pending.pop(fut)
                res = fut.result()            # raises the task's exception after its retries
                fut.release()
                if isinstance(res, _Deferred):
                    pending[submit(i, True)] = i
                    continue
                done(i, res)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None and not backend.scheduler:
            cluster.close()


# ---------------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class RunSpec:
    """One run: the resolved protocol (JSON text), where it came from, seed, folder, overrides.

    Experiments, Qmax calibration runs, adaptation runs and multiverse variants are all lists
    of RunSpecs; a run depends only on (protocol, seed).  Plain data, so it pickles to any
    worker; :meth:`protocol` rebuilds the protocol there.  ``Job`` is the name older callers use.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> spec = RunSpec.of(p, 3, "runs/ka2005_logic/mvg/seed-3")
    >>> spec.experiment, spec.treatment, spec.seed
    ('ka2005_logic', 'mvg', 3)
    >>> spec.protocol().digest == p.digest
    True
    """
    protocol_json: str
    source: str
    seed: int
    folder: str
    overrides: tuple = ()

    @classmethod
    def of(cls, protocol, seed: int, folder, overrides=()) -> "RunSpec":
        return cls(protocol.to_json(), protocol.source, int(seed), str(folder), tuple(overrides))

    def protocol(self):
        data = json.loads(self.protocol_json)
        exp = data["experiment"]
        return build_protocol(self.source, exp["name"], exp["kind"], exp["treatment"], data)

    @property
    def treatment(self) -> str:
        return json.loads(self.protocol_json)["experiment"]["treatment"] or ""

    @property
    def experiment(self) -> str:
        return json.loads(self.protocol_json)["experiment"]["name"]


# The name older callers use.
Job = RunSpec


def run_job(spec: RunSpec, progress=None, wait: bool = True) -> dict:
    """Run (or resume, or read the finished result of) one run; ``progress(gen, total)``.

    ``wait=False``: if another process holds the run's lock, raise ``RunLocked`` at once
    instead of waiting for it (the executor then defers the run to the end of its queue).

    Returns the run's result (the content of ``result.json``).

    Examples
    --------
    A short run (population 20, 5 generations), then the same spec again: read, not re-run.

    >>> import tempfile
    >>> small = [("selection.population", 20), ("selection.elite", 6), ("run.max_generations", 5)]
    >>> root = tempfile.mkdtemp()
    >>> specs = plan("original_protocol/ka2005_logic.toml", ["mvg"], [1, 2], root, small)
    >>> result = run_job(specs[0])
    >>> result["generations_run"], result["seed"]
    (5, 1)
    >>> run_job(specs[0]) == result
    True
    """
    from .evolve import evolve
    protocol = spec.protocol()
    if not wait:
        # take the lock without waiting; the loop's own prepare() takes it over in this process
        RunStore(spec.folder).prepare(protocol, spec.seed, spec.overrides, wait=False)
    return evolve(protocol, spec.seed, spec.folder, overrides=spec.overrides, progress=progress)


def plan(protocol_path: str, treatments, seeds, out_root: str, overrides=()) -> list[RunSpec]:
    """The runs of ``treatments`` x ``seeds`` of one protocol file, in ``out_root``.

    Examples
    --------
    >>> specs = plan("original_protocol/ka2005_logic.toml", ["mvg"], [1, 2], "runs")
    >>> [(s.treatment, s.seed, s.folder) for s in specs]
    [('mvg', 1, 'runs/ka2005_logic/mvg/seed-1'), ('mvg', 2, 'runs/ka2005_logic/mvg/seed-2')]
    """
    specs = []
    for t in treatments:
        protocol = load_protocol(protocol_path, t, list(overrides))
        specs += [RunSpec.of(protocol, s, run_dir(out_root, protocol.name, t, s), overrides) for s in seeds]
    return specs


def pending(specs: list[RunSpec]) -> list[RunSpec]:
    """Specs without a finished run; a folder holding another run raises RunMismatch.

    Examples
    --------
    >>> import tempfile
    >>> small = [("selection.population", 20), ("selection.elite", 6), ("run.max_generations", 5)]
    >>> root = tempfile.mkdtemp()
    >>> specs = plan("original_protocol/ka2005_logic.toml", ["mvg"], [1, 2], root, small)
    >>> len(pending(specs))
    2
    >>> _ = run_job(specs[0])
    >>> [s.seed for s in pending(specs)]
    [2]
    """
    return [s for s in specs if not RunStore(s.folder).is_finished(s.protocol(), s.seed)]


def job_tasks(specs: Sequence[RunSpec]) -> list[Task]:
    """A :class:`Task` per run: labelled ``treatment seed-N``, worth its maximum generations,
    reporting progress to ``.progress`` in its run folder.

    Examples
    --------
    >>> tasks = job_tasks(plan("original_protocol/ka2005_logic.toml", ["mvg"], [4], "runs"))
    >>> tasks[0].label, tasks[0].units, tasks[0].lockable, tasks[0].fn is run_job
    ('mvg seed-4', 100000.0, True, True)
    """
    out = []
    for spec in specs:
        proto = spec.protocol()
        out.append(Task(run_job, (spec,), label=f"{spec.treatment or spec.experiment} seed-{spec.seed}",
                        units=float(proto.run.max_generations),
                        progress_file=str(Path(spec.folder) / PROGRESS_FILE), lockable=True))
    return out


def run_all(specs: list[RunSpec], n_jobs: int = 1, on_done=None, backend: Backend | None = None,
            progress: Progress | None = None) -> list[dict]:
    """Run the specs; ``on_done(result)`` after each. Results come back in spec order.

    ``n_jobs`` local processes unless a ``backend`` is given; finished runs are read back.

    Examples
    --------
    >>> import tempfile
    >>> small = [("selection.population", 20), ("selection.elite", 6), ("run.max_generations", 5)]
    >>> root = tempfile.mkdtemp()
    >>> specs = plan("original_protocol/ka2005_logic.toml", ["mvg"], [1, 2], root, small)
    >>> results = run_all(specs, 1)
    >>> [(r["seed"], r["generations_run"]) for r in results]
    [(1, 5), (2, 5)]
    >>> pending(specs)
    []
    """
    backend = backend or Backend(jobs=n_jobs)
    return run_tasks(job_tasks(specs), backend, progress,
                     on_done=None if on_done is None else (lambda _i, res: on_done(res)))
