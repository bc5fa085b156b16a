"""The store: layout, iter_runs, lock, identity, resume hygiene, file safety."""
import csv
import doctest
import json
import os
import pickle
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import replication.protocol
import replication.store
from replication.cli import main
from replication.protocol import protocol_digest
from replication.store import (RunLocked, RunMismatch, RunStore, StoreError, adaptation_run_dir,
                               calibration_dir, calibration_run_dir, differing_keys, experiment_dir,
                               iter_runs, multiverse_dir, multiverse_run_dir, read_json, run_dir,
                               tables_dir, write_json)

from conftest import LOGIC, ROOT

HEADER = ["generation", "goal", "best_fitness"]


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def small(logic_protocol, **kw):
    return logic_protocol("mvg", **{"run__max_generations": 30, **kw})


def prepared(logic_protocol, folder, **kw):
    store = RunStore(folder)
    store.prepare(small(logic_protocol, **kw), 1)
    return store


# --------------------------------------------------------------------------- layout
def test_layout_functions_build_the_documented_paths(tmp_path):
    assert run_dir(tmp_path, "e", "mvg", 3) == tmp_path / "e" / "mvg" / "seed-3"
    assert experiment_dir(tmp_path, "e") == tmp_path / "e"
    assert calibration_run_dir(tmp_path, "e", "k", 2) == calibration_dir(tmp_path, "e", "k") / "seed-2"
    assert calibration_dir(tmp_path, "e", "k") == tmp_path / "e" / "calibration" / "k"
    assert adaptation_run_dir(tmp_path, "e", "a", 4, 5) == tmp_path / "e" / "adapt" / "a" / "net-4" / "rep-5"
    assert multiverse_dir(tmp_path, "e", "run.stop", "never") == tmp_path / "e" / "multiverse" / "run.stop=never"
    assert multiverse_dir(tmp_path, "e", "cost.on", True).name == "cost.on=true"
    assert (multiverse_run_dir(tmp_path, "e", "selection.elite", 200, "mvg", 1)
            == tmp_path / "e" / "multiverse" / "selection.elite=200" / "mvg" / "seed-1")
    assert tables_dir(tmp_path / "e") == tmp_path / "e" / "tables"
    assert run_dir(tmp_path, "e", "mvg", np.int64(7)).name == "seed-7"


@pytest.mark.parametrize("bad", ["../../x", "a/b", "..", ".", ".hidden", "", "calibration", "tables",
                                 "adapt", "multiverse", "a\\b", "x\0", "seed-3", "rep-1"])
def test_unsafe_or_reserved_names_are_refused(tmp_path, bad):
    with pytest.raises(StoreError, match="cannot be a folder name"):
        run_dir(tmp_path, "e", bad, 1)
    with pytest.raises(StoreError, match="cannot be a folder name"):
        experiment_dir(tmp_path, bad)


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_bad_seeds_are_refused(tmp_path, seed):
    with pytest.raises(StoreError, match="non-negative integer"):
        run_dir(tmp_path, "e", "mvg", seed)


def test_every_protocol_treatment_is_a_safe_folder_name(tmp_path):
    from replication.protocol import treatments_of
    for path in sorted((ROOT / "original_protocol").glob("*.toml")):
        if path.name == "published.toml":
            continue
        for t in treatments_of(path):
            run_dir(tmp_path, "e", t, 1)


# --------------------------------------------------------------------------- iter_runs
def _finished(folder, **result):
    write_json(folder / "run.json", {"seed": 0})
    write_json(folder / "result.json", {"folder": folder.name, **result})


def _mixed_tree(root):
    exp = root / "exp"
    for t, seeds in (("mvg", (10, 2, 1)), ("fixed-g1", (3,))):
        for s in seeds:
            _finished(run_dir(root, "exp", t, s))
    write_json(run_dir(root, "exp", "mvg", 4) / "run.json", {"seed": 4})     # unfinished
    run_dir(root, "exp", "mvg", 5).mkdir(parents=True)                       # empty: not a run
    _finished(calibration_run_dir(root, "exp", "key1", 1))
    _finished(adaptation_run_dir(root, "exp", "pcc-A-to-B", 2, 1))
    _finished(multiverse_run_dir(root, "exp", "selection.elite", 200, "mvg", 1))
    _finished(tables_dir(exp) / "mvg" / "seed-9")                              # never a run
    _finished(exp / ".trash" / "seed-1")                                       # hidden: skipped
    _finished(run_dir(root, "other", "pa", 1))
    return exp


def test_iter_runs_on_a_mixed_tree(tmp_path):
    exp = _mixed_tree(tmp_path)
    got = [(r.experiment, r.treatment, r.seed) for r in iter_runs(exp)]
    assert got == [("exp", "fixed-g1", 3), ("exp", "mvg", 1), ("exp", "mvg", 2), ("exp", "mvg", 10)]
    assert [r.folder for r in iter_runs(exp)][-1] == run_dir(tmp_path, "exp", "mvg", 10)
    # a runs root: every experiment; a treatment folder; one run folder
    assert [(r.experiment, r.seed) for r in iter_runs(tmp_path)][-1] == ("other", 1)
    assert len(list(iter_runs(tmp_path))) == 5
    assert [r.seed for r in iter_runs(exp / "mvg")] == [1, 2, 10]
    assert [r.seed for r in iter_runs(run_dir(tmp_path, "exp", "mvg", 2))] == [2]
    # unfinished runs on request; an empty seed folder is not a run
    assert [r.seed for r in iter_runs(exp / "mvg", finished_only=False)] == [1, 2, 4, 10]


def test_iter_runs_selects_kinds_and_starts_inside_them(tmp_path):
    exp = _mixed_tree(tmp_path)
    cal = list(iter_runs(exp, include=("calibration",)))
    assert [(r.kind, r.variant, r.treatment, r.seed) for r in cal] == [("calibration", "key1", None, 1)]
    ada = list(iter_runs(tmp_path, include=("adapt",)))
    assert [(r.kind, r.experiment, r.variant, r.seed, r.replicate) for r in ada] == [
        ("adapt", "exp", "pcc-A-to-B", 2, 1)]
    mv = list(iter_runs(exp, include=("multiverse",)))
    assert [(r.kind, r.variant, r.treatment, r.seed) for r in mv] == [
        ("multiverse", "selection.elite=200", "mvg", 1)]
    everything = list(iter_runs(exp, include=("runs", "calibration", "adapt", "multiverse")))
    assert len(everything) == 7 and "tables" not in {p for r in everything for p in r.folder.parts}
    # started inside a calibration / multiverse folder, its runs come whatever include says
    assert [r.kind for r in iter_runs(exp / "calibration")] == ["calibration"]
    assert [r.kind for r in iter_runs(calibration_dir(tmp_path, "exp", "key1"))] == ["calibration"]
    assert [r.kind for r in iter_runs(multiverse_dir(tmp_path, "exp", "selection.elite", 200))] == [
        "multiverse"]
    assert list(iter_runs(exp / "tables")) == list(iter_runs(exp, include=())) == []
    with pytest.raises(ValueError, match="unknown run kinds"):
        list(iter_runs(exp, include=("calib",)))


def test_iter_runs_records_read_lazily(tmp_path, logic_protocol):
    exp = _mixed_tree(tmp_path)
    rec = next(iter_runs(exp))
    assert rec.result["folder"] == "seed-3" and rec.run_meta == {"seed": 0} and rec.finished
    (rec.folder / "result.json").write_text("{broken")
    assert rec.result["folder"] == "seed-3"               # read once, kept
    with pytest.raises(StoreError, match="result.json: corrupt JSON"):
        next(iter_runs(exp)).result
    # .protocol: the resolved protocol from protocol.json
    folder = run_dir(tmp_path, "real", "mvg", 1)
    p = small(logic_protocol)
    RunStore(folder).prepare(p, 1)
    write_json(folder / "result.json", {})
    assert next(iter_runs(folder.parent)).protocol.digest == p.digest


def test_iter_runs_on_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(StoreError, match="no such folder"):
        list(iter_runs(tmp_path / "typo"))


# --------------------------------------------------------------------------- lock
HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
if len(sys.argv) > 3:                       # finish the run before letting go
    with open(sys.argv[3], "w") as fh:
        fh.write("{}")
"""
PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


def _free(folder) -> bool:
    """Whether another process can take the run's lock now."""
    return subprocess.run([sys.executable, "-c", PROBE, str(folder / ".lock")]).returncode == 0


def _holder(folder, seconds, finish=False):
    args = [sys.executable, "-c", HOLD, str(folder / ".lock"), str(seconds)]
    proc = subprocess.Popen(args + ([str(folder / "result.json")] if finish else []),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_prepare_holds_the_lock_until_close_or_result(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    assert store.locked and not _free(tmp_path / "r")
    store.close()
    assert not store.locked and _free(tmp_path / "r")
    store = prepared(logic_protocol, tmp_path / "r")
    store.write_result({"x": 1}, [(1, 2)])
    assert not store.locked and _free(tmp_path / "r")
    assert (tmp_path / "r/.lock").stat().st_mode & 0o777 == 0o644


def test_locked_run_raises_without_wait(logic_protocol, tmp_path):
    prepared(logic_protocol, tmp_path / "r").close()
    proc = _holder(tmp_path / "r", 30)
    try:
        with pytest.raises(RunLocked, match=f"{tmp_path / 'r'}: another process .*is working on this run"):
            RunStore(tmp_path / "r").prepare(small(logic_protocol), 1, wait=False)
    finally:
        proc.kill()
        proc.wait()
    store = RunStore(tmp_path / "r")                  # the holder died: its lock went with it
    store.prepare(small(logic_protocol), 1, wait=False)
    assert store.locked
    store.close()


def test_prepare_waits_then_sees_the_run_finished_by_the_other_process(logic_protocol, tmp_path):
    prepared(logic_protocol, tmp_path / "r").close()
    proc = _holder(tmp_path / "r", 1.0, finish=True)
    started = time.monotonic()
    store = RunStore(tmp_path / "r")
    store.prepare(small(logic_protocol), 1)
    waited = time.monotonic() - started
    proc.wait()
    assert waited > 0.5
    assert store.finished and not store.locked and _free(tmp_path / "r")


def test_a_new_store_in_the_same_process_takes_over_the_lock(logic_protocol, tmp_path):
    first = prepared(logic_protocol, tmp_path / "r")       # e.g. a run halted without clean-up
    second = prepared(logic_protocol, tmp_path / "r")      # does not deadlock on its own process
    assert second.locked and not first.locked
    first.close()                                           # not the owner any more: no effect
    assert second.locked and not _free(tmp_path / "r")
    second.close()
    assert _free(tmp_path / "r")


def test_two_concurrent_replicate_commands_do_each_run_once(tmp_path):
    args = [sys.executable, "-m", "replication", "replicate", str(LOGIC), "-t", "fixed-g1", "-t", "mvg",
            "--runs", "3", "--set", "run.max_generations=300", "--set", "run.checkpoint_every=50",
            "--out", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    records = list(iter_runs(tmp_path / "ka2005_logic"))
    assert sorted((r.treatment, r.seed) for r in records) == [
        (t, s) for t in ("fixed-g1", "mvg") for s in (1, 2, 3)]
    for rec in records:
        generations = [int(row["generation"]) for row in RunStore(rec.folder).read_log()]
        assert generations == list(range(rec.result["generations_run"])), rec.folder
        assert not (rec.folder / "checkpoint.npz").exists()


# --------------------------------------------------------------------------- identity
def test_mismatch_names_the_folder_and_the_differing_keys(logic_protocol, tmp_path):
    prepared(logic_protocol, tmp_path / "r").close()
    other = small(logic_protocol, run__max_generations=31, selection__elite=200)
    with pytest.raises(RunMismatch) as err:
        RunStore(tmp_path / "r").prepare(other, 1)
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path / 'r'} holds a run made with other parameters")
    assert "run.max_generations: stored 30, requested 31" in msg
    assert "selection.elite: stored 300, requested 200" in msg
    assert "\n" not in msg and err.value.path == tmp_path / "r"
    with pytest.raises(RunMismatch, match="seed: stored 1, requested 2"):
        RunStore(tmp_path / "r").prepare(small(logic_protocol), 2)
    with pytest.raises(RunMismatch):                     # pending() sees it without a lock
        RunStore(tmp_path / "r").is_finished(other, 1)


def test_a_finished_run_with_other_parameters_is_not_counted(logic_protocol, tmp_path):
    from replication.parallel import pending, plan
    jobs = plan(LOGIC, ["mvg"], [1], tmp_path, (("run.max_generations", 30),))
    folder = jobs[0].folder
    RunStore(folder).prepare(small(logic_protocol), 1)
    RunStore(folder).write_result({})
    assert pending(jobs) == []
    with pytest.raises(RunMismatch, match="run.max_generations: stored 30, requested 31"):
        pending(plan(LOGIC, ["mvg"], [1], tmp_path, (("run.max_generations", 31),)))


def test_bookkeeping_keys_stay_out_of_the_digest(logic_protocol, tmp_path):
    p = small(logic_protocol)
    for key, value in (("run__checkpoint_every", 7), ("run__log_every", 3), ("run__runs", 2)):
        assert small(logic_protocol, **{key: value}).digest == p.digest, key
    assert small(logic_protocol, run__solved_threshold=0.5).digest != p.digest
    assert protocol_digest(json.loads(p.to_json())) == p.digest
    prepared(logic_protocol, tmp_path / "r").close()
    store = RunStore(tmp_path / "r")
    store.prepare(small(logic_protocol, run__checkpoint_every=7), 1)   # the same run: accepted
    store.close()


def test_differing_keys():
    a = {"run": {"n": 1, "stop": "never"}, "goals": {"G1": "x"}, "inputs": ["X", "Y"]}
    b = {"run": {"n": 1.0, "stop": "never"}, "goals": {}, "inputs": ("X", "Y"), "cost": {"weight": 0.1}}
    got = differing_keys(a, b)
    assert [k for k, *_ in got] == ["cost", "goals.G1", "run.n"]
    assert got[2][1:] == (1, 1.0)
    assert repr(got[1][2]) == "<absent>"
    assert differing_keys(a, a) == []


# --------------------------------------------------------------------------- resume hygiene
def _save(store, generation, rows):
    store.save(generation, {"population": np.zeros(3, np.int16)}, {"solved": {}}, HEADER, rows)


def _rows(n, start=0):
    return [[g, "G1", 0.5] for g in range(start, start + n)]


def _log_lines(folder):
    with open(folder / "log.csv", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("torn", ["1", "12,G", "12,G1,0.", "x,G1,0.5\r\n", "12,G1,0.5,9\r\n"])
def test_a_torn_last_log_row_is_dropped_on_resume(logic_protocol, tmp_path, torn):
    store = prepared(logic_protocol, tmp_path / "r")
    _save(store, 12, _rows(12))
    with open(tmp_path / "r/log.csv", "a", newline="") as fh:
        fh.write(torn)
    gen, arrays, state = RunStore(tmp_path / "r").load()
    assert gen == 12 and state == {"solved": {}}
    assert _log_lines(tmp_path / "r") == [HEADER] + [[str(g), "G1", "0.5"] for g in range(12)]
    store.append_log(HEADER, _rows(3, 12))
    assert [int(r["generation"]) for r in store.read_log()] == list(range(15))


def test_a_corrupt_middle_log_row_is_an_error_naming_the_file(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    _save(store, 12, _rows(12))
    text = (tmp_path / "r/log.csv").read_text().replace("5,G1,0.5", "5,G1", 1)
    (tmp_path / "r/log.csv").write_text(text)
    for call in (store.load, store.read_log):
        with pytest.raises(StoreError, match=f"{tmp_path / 'r' / 'log.csv'}: corrupt log \\(row 7"):
            call()


def test_stale_temporary_files_are_removed_on_prepare(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    store.close()
    stale = [tmp_path / "r" / ".checkpoint.npz.a1b2c3d4.tmp", tmp_path / "r" / ".result.json.x_Y9zzzz.tmp"]
    kept = tmp_path / "r" / ".notes.tmp"
    for p in stale + [kept]:
        p.write_text("partial")
    prepared(logic_protocol, tmp_path / "r").close()
    assert not any(p.exists() for p in stale) and kept.exists()


def test_a_foreign_folder_is_refused_and_left_untouched(logic_protocol, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "log.csv").write_text("precious\n")
    (folder / "notes.txt").write_text("mine\n")
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(StoreError, match=f"{folder}: not a run folder \\(no run.json\\) but holds files"):
        RunStore(folder).prepare(small(logic_protocol), 1)
    with pytest.raises(StoreError, match="refusing to remove its log.csv"):
        RunStore(folder).load()
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "log.csv").read_text() == "precious\n"
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is not a folder"):
        RunStore(tmp_path / "file").prepare(small(logic_protocol), 1)
    # the command line says so in one line, without a traceback
    res = CliRunner().invoke(main, ["run", str(LOGIC), "-t", "mvg", "-s", "1", "--out", str(folder),
                                    "--set", "run.max_generations=30", "-q"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip().splitlines() == [
        f"Error: {folder}: not a run folder (no run.json) but holds files (log.csv, notes.txt); "
        "refusing to write into it: choose a new or empty folder"]


def test_an_empty_folder_or_one_with_only_our_lock_is_usable(logic_protocol, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / ".lock").touch()
    prepared(logic_protocol, tmp_path / "r").close()
    assert (tmp_path / "r" / "run.json").exists() and (tmp_path / "r" / "protocol.json").exists()


def test_a_log_without_checkpoint_is_removed_only_in_our_run_folder(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    store.append_log(HEADER, _rows(3))            # killed before the first checkpoint
    assert store.load() is None and not (tmp_path / "r/log.csv").exists()


# --------------------------------------------------------------------------- files
def test_written_files_are_readable_by_others(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    _save(store, 2, _rows(2))
    store.write_result({"x": 1}, [(1, 2)])
    for name in ("run.json", "protocol.json", "log.csv", "result.json", "network.txt"):
        assert stat.S_IMODE((tmp_path / "r" / name).stat().st_mode) == 0o644, name


def test_json_is_written_with_null_never_nan(tmp_path):
    write_json(tmp_path / "a.json", {"q": float("nan"), "v": [float("inf"), -float("inf"), 1.5],
                                     "n": np.float64("nan"), "i": np.int32(4), "a": np.array([0.5, np.nan])})
    text = (tmp_path / "a.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"q": None, "v": [None, None, 1.5], "n": None, "i": 4, "a": [0.5, None]}


@pytest.mark.parametrize("content", ["{\"a\": 1", "", b"\xff\xfe{}"])
def test_a_corrupt_json_file_raises_one_line_naming_it(tmp_path, content):
    path = tmp_path / "result.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(StoreError) as err:
        read_json(path)
    assert str(err.value).startswith(f"{path}: corrupt JSON") and "\n" not in str(err.value)
    assert err.value.path == path
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "missing.json")


def test_corrupt_run_files_name_the_file(logic_protocol, tmp_path):
    store = prepared(logic_protocol, tmp_path / "r")
    store.close()
    (tmp_path / "r/protocol.json").write_text("{")
    with pytest.raises(StoreError, match="protocol.json: corrupt JSON"):
        RunStore(tmp_path / "r").prepare(small(logic_protocol), 1)
    (tmp_path / "r/checkpoint.npz").write_bytes(b"not a zip")
    with pytest.raises(StoreError, match="checkpoint.npz: corrupt checkpoint"):
        store.load()
    (tmp_path / "r/log.csv").write_bytes(b"generation\n\xff\n")
    with pytest.raises(StoreError, match="log.csv: corrupt log"):
        store.read_log()


def test_summary_of_a_corrupt_result_prints_one_line(tmp_path):
    folder = run_dir(tmp_path, "ka2005_logic", "mvg", 1)
    folder.mkdir(parents=True)
    (folder / "result.json").write_text("{\"a\":")
    res = CliRunner().invoke(main, ["summary", str(tmp_path / "ka2005_logic")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip() == f"Error: {folder / 'result.json'}: corrupt JSON (line 1, column 6: " \
                                 "Expecting value)"


def test_a_failed_write_names_the_file_and_leaves_no_temporary(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match=f"{tmp_path / 'file' / 'r.json'}: cannot write"):
        write_json(tmp_path / "file" / "r.json", {})
    with pytest.raises(TypeError):                      # not JSON: nothing half-written stays
        write_json(tmp_path / "r.json", {"x": object()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_store_errors_cross_process_boundaries():
    err = pickle.loads(pickle.dumps(RunMismatch("x: other parameters", "/some/run")))
    assert type(err) is RunMismatch and str(err) == "x: other parameters" and str(err.path) == "/some/run"
    assert isinstance(err, ValueError)


def test_docstring_examples_run():
    assert doctest.testmod(replication.store).failed == 0
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(replication.protocol.protocol_digest, globs=vars(replication.protocol)):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
