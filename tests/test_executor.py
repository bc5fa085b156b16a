import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import LOGIC, ROOT
from replication import executor, store
from replication.executor import (Backend, ExecutorError, Task, job_tasks, load_cluster_config, plan,
                                  run_all, run_job, run_tasks)
from replication.progress import Progress

SMALL = (("selection.population", 100), ("selection.elite", 30), ("run.max_generations", 150),
         ("run.stop", "never"), ("run.checkpoint_every", 50))


def square_after(x, delay=0.0):
    time.sleep(delay)
    return x * x


def run_files(root: Path) -> dict:
    """Every run's result.json (minus wall_seconds), log.csv and network.txt, by relative path."""
    out = {}
    for f in sorted(root.rglob("seed-*/*")):
        if f.name == "result.json":
            res = json.loads(f.read_text())
            res.pop("wall_seconds")
            out[str(f.relative_to(root))] = json.dumps(res, sort_keys=True)
        elif f.name in ("log.csv", "network.txt"):
            out[str(f.relative_to(root))] = f.read_bytes()
    return out


# ---------------------------------------------------------------------------- local backends
def square_when(x, wait_for=None, touch=None):
    """x * x, after ``wait_for`` exists (at most 60 s), creating ``touch`` first."""
    if touch:
        Path(touch).write_text("done")
    end = time.monotonic() + 60
    while wait_for and not Path(wait_for).exists() and time.monotonic() < end:
        time.sleep(0.01)
    return x * x


def test_results_come_back_in_task_order_from_the_pool(tmp_path):
    # the first task finishes last: it waits for a file the last task writes (no timing assumption)
    flag = str(tmp_path / "last-done")
    tasks = ([Task(square_when, (0, flag))] + [Task(square_when, (x,)) for x in (1, 2, 3)]
             + [Task(square_when, (4, None, flag))])
    finished = []
    got = run_tasks(tasks, Backend(jobs=2), on_done=lambda i, _r: finished.append(i))
    assert got == [0, 1, 4, 9, 16]
    assert sorted(finished) == list(range(5)) and finished[-1] == 0


class FakeLocked(RuntimeError):
    pass


calls: list = []


def lockable(name, progress=None, wait=True):
    calls.append((name, wait))
    if name == "busy" and not wait:
        raise FakeLocked("held by another process")
    return name


def test_locked_run_goes_to_the_end_of_the_queue(monkeypatch):
    monkeypatch.setattr(store, "RunLocked", FakeLocked, raising=False)
    calls.clear()
    tasks = [Task(lockable, (n,), lockable=True) for n in ("busy", "a", "b")]
    assert run_tasks(tasks) == ["busy", "a", "b"]
    assert calls == [("busy", False), ("a", False), ("b", False), ("busy", True)]


def test_run_locked_elsewhere_is_run_after_the_others(tmp_path, monkeypatch):
    # a store with locks: prepare(wait=False) raises RunLocked while "another process" runs seed 1
    tried = []

    class LockingStore(store.RunStore):
        def prepare(self, protocol, seed, overrides=(), *, wait=True):
            tried.append((seed, wait))
            if seed == 1 and not wait:
                raise FakeLocked(f"{self.path} is locked")

    monkeypatch.setattr(store, "RunLocked", FakeLocked, raising=False)
    monkeypatch.setattr(executor, "RunStore", LockingStore)
    jobs = plan(LOGIC, ["mvg"], [1, 2], tmp_path, SMALL)
    results = run_tasks(job_tasks(jobs))
    assert [r["seed"] for r in results] == [1, 2]
    assert tried == [(1, False), (2, False)]      # seed 1 is then run waiting (by the loop itself)
    assert all((Path(j.folder) / "result.json").exists() for j in jobs)


def test_plain_tasks_take_no_progress_callback():
    import io
    bar = Progress("x", 2, mode="lines", stream=io.StringIO())
    assert run_tasks([Task(abs, (-2,)), Task(abs, (3,))], progress=bar) == [2, 3]
    assert bar.done == 2


def test_a_tasks_error_reaches_the_caller():
    with pytest.raises(ZeroDivisionError):
        run_tasks([Task(divmod, (1, 0)), Task(divmod, (4, 2))], Backend(jobs=2))


def test_pool_workers_exit_when_the_parent_is_killed(tmp_path):
    pids = tmp_path / "pids"
    script = f"""
import multiprocessing as mp, os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from replication.executor import _pool_init
if __name__ == "__main__":
    with mp.get_context("spawn").Pool(2, initializer=_pool_init, initargs=(os.getpid(),)) as pool:
        open({str(pids)!r}, "w").write(" ".join(str(p.pid) for p in pool._pool))
        time.sleep(120)
"""
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 60
        while not (pids.exists() and pids.read_text()) and time.time() < deadline:
            time.sleep(0.1)
        workers = [int(p) for p in pids.read_text().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 15
        while any(_alive(p) for p in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:      # a zombie (exited, not yet reaped) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_job_tasks_report_progress_in_the_run_folder(tmp_path):
    jobs = plan(LOGIC, ["mvg"], [1, 2], tmp_path, SMALL)
    tasks = job_tasks(jobs)
    assert [t.label for t in tasks] == ["mvg seed-1", "mvg seed-2"]
    assert [t.units for t in tasks] == [150.0, 150.0]
    assert tasks[0].progress_file == str(Path(jobs[0].folder) / ".progress")
    import io
    bar = Progress("runs", [(t.label, t.units) for t in tasks], mode="lines", stream=io.StringIO())
    run_tasks(tasks, Backend(jobs=2), bar)
    assert bar.done == 2 and bar.units_left() == 0
    assert not any(f.name == ".progress" for f in tmp_path.rglob("*"))


# ---------------------------------------------------------------------------- options
def test_backend_options_are_checked(tmp_path):
    with pytest.raises(ExecutorError, match="at most one"):
        Backend.from_options(cluster="local:2", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ExecutorError, match="--jobs"):
        Backend.from_options(jobs=4, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ExecutorError, match="local:N"):
        Backend.from_options(cluster="slurm:4")
    assert Backend.from_options(jobs=3).describe() == "3 local worker processes"


@pytest.mark.parametrize("text, message", [
    ('kind = "sge"\nworkers = 2\n', "kind must be one of"),
    ('kind = "slurm"\n', "either workers"),
    ('kind = "pbs"\nworkers = 0\n', "positive integer"),
    ('kind = "slurm"\nworkers = 2\ncores = 1\n', "unknown key"),
    ('kind = "slurm"\nworkers = 2\noptions = 3\n', "must be a table"),
    ('kind = "slurm"\nworkers = [2\n', "not valid TOML"),
])
def test_cluster_config_errors_name_the_file(tmp_path, text, message):
    f = tmp_path / "cluster.toml"
    f.write_text(text)
    with pytest.raises(ExecutorError, match=message) as err:
        load_cluster_config(f)
    assert str(f) in str(err.value)


def test_missing_dask_jobqueue_is_a_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    f = tmp_path / "cluster.toml"
    f.write_text('kind = "slurm"\nadapt = { maximum = 10 }\n[options]\ncores = 1\nmemory = "1GB"\n')
    assert load_cluster_config(f)["adapt"] == {"maximum": 10}
    monkeypatch.setitem(sys.modules, "dask_jobqueue", None)      # import fails
    with pytest.raises(ExecutorError, match="dask-jobqueue"):
        run_tasks([Task(abs, (-1,))], Backend.from_options(cluster_config=str(f)))


# ---------------------------------------------------------------------------- Dask
def die_once_then_run(job, marker, progress=None, wait=True):
    """First attempt: run 100 generations (two checkpoints), then the worker process dies."""
    if not Path(marker).exists():
        Path(marker).write_text("died")
        from replication.evolve import evolve
        from replication.protocol import load_protocol
        proto = load_protocol(job.protocol_path, job.treatment, list(job.overrides))
        evolve(proto, job.seed, job.folder, overrides=job.overrides, halt_after=120)
        os._exit(1)
    return run_job(job, progress, wait)


def test_local_cluster_equals_one_process_and_survives_a_lost_worker(tmp_path):
    pytest.importorskip("distributed")
    one = plan(LOGIC, ["fixed-g1", "mvg"], [1, 2], tmp_path / "one", SMALL)
    run_all(one, 1)
    lc = plan(LOGIC, ["fixed-g1", "mvg"], [1, 2], tmp_path / "lc", SMALL)
    tasks = job_tasks(lc)
    lost = tasks[3]            # mvg seed-2: its worker dies after a checkpoint at generation 100
    tasks[3] = Task(die_once_then_run, (lc[3], str(tmp_path / "died")), label=lost.label,
                    units=lost.units, progress_file=lost.progress_file, lockable=True)
    results = run_tasks(tasks, Backend.from_options(cluster="local:2"))
    assert (tmp_path / "died").exists()
    assert [(r["treatment"], r["seed"]) for r in results] == [(j.treatment, j.seed) for j in lc]
    a, b = run_files(tmp_path / "one"), run_files(tmp_path / "lc")
    assert len(a) == 12 and a == b


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_replicate_on_a_dask_scheduler_is_byte_identical_to_one_job(tmp_path):
    pytest.importorskip("distributed")
    dask_cmd = Path(sys.executable).parent / "dask"
    if not dask_cmd.exists():
        pytest.skip("no dask command in this environment")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(subprocess.Popen([str(dask_cmd), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], env=env, cwd=tmp_path,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(2):
            procs.append(subprocess.Popen([str(dask_cmd), "worker", address, "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard"], env=env, cwd=tmp_path,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        args = [sys.executable, "-m", "replication", "replicate", str(LOGIC), "-t", "fixed-g1", "-t", "mvg",
                "--runs", "2", "--set", "run.max_generations=200"]
        for out, extra in (("one", ["--jobs", "1"]), ("dask", ["--scheduler", address])):
            res = subprocess.run(args + ["--out", str(tmp_path / out)] + extra, env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=400)
            assert res.returncode == 0, res.stderr
        assert "the Dask cluster at " + address in res.stderr
        a, b = run_files(tmp_path / "one"), run_files(tmp_path / "dask")
        assert len(a) == 12 and a == b
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_mole_maps_are_the_same_in_a_process_pool(tmp_path):
    """MOLE maps are tasks like runs: two worker processes give byte-identical map files."""
    from replication.executor import Backend
    from replication.mole import run_mole
    from replication.protocol import load_protocol
    p = load_protocol(str(Path(__file__).resolve().parents[1] / "original_protocol/clune2013_retina.toml"), "pcc")
    one = run_mole(p, [1, 2], tmp_path / "a", 3, 8, (4, 4))
    two = run_mole(p, [1, 2], tmp_path / "b", 3, 8, (4, 4), backend=Backend(jobs=2))
    assert [a.read_bytes() for a in one] == [b.read_bytes() for b in two]
