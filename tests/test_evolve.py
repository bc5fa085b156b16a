import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import LOGIC
from replication.evolve import evolve
from replication.parallel import plan, run_all
from replication.store import RunMismatch, RunStore


def small(logic_protocol, treatment="mvg", **kw):
    settings = dict(selection__population=200, selection__elite=60, run__max_generations=400,
                    run__checkpoint_every=50, run__stop="never")
    settings.update(kw)
    return logic_protocol(treatment, **settings)


def test_seeded_run_is_deterministic(logic_protocol, tmp_path):
    p = small(logic_protocol)
    a = evolve(p, 3, tmp_path / "a")
    b = evolve(p, 3, tmp_path / "b")
    evolve(p, 4, tmp_path / "c")
    drop = lambda r: {k: v for k, v in r.items() if k != "wall_seconds"}
    assert drop(a) == drop(b)
    assert (tmp_path / "a/log.csv").read_text() == (tmp_path / "b/log.csv").read_text()
    assert (tmp_path / "a/log.csv").read_text() != (tmp_path / "c/log.csv").read_text()


def test_halted_and_resumed_equals_uninterrupted(logic_protocol, tmp_path):
    p = small(logic_protocol)
    whole = evolve(p, 5, tmp_path / "whole")
    assert evolve(p, 5, tmp_path / "cut", halt_after=173) is None   # last checkpoint: 150
    assert not RunStore(tmp_path / "cut").finished
    resumed = evolve(p, 5, tmp_path / "cut")
    drop = lambda r: {k: v for k, v in r.items() if k != "wall_seconds"}
    assert drop(resumed) == drop(whole)
    assert (tmp_path / "cut/log.csv").read_text() == (tmp_path / "whole/log.csv").read_text()
    assert (tmp_path / "cut/network.txt").read_text() == (tmp_path / "whole/network.txt").read_text()


def test_killed_process_resumes_bit_identical(tmp_path):
    args = [sys.executable, "-m", "replication", "run", str(LOGIC), "-t", "mvg", "-s", "9", "-q",
            "--set", "run.stop=\"never\"", "--set", "run.checkpoint_every=100",
            "--set", "run.max_generations=3000"]
    ref = subprocess.run(args + ["--out", str(tmp_path / "ref")], capture_output=True, text=True, check=True)
    proc = subprocess.Popen(args + ["--out", str(tmp_path / "cut")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ckpt = tmp_path / "cut" / "checkpoint.npz"
    deadline = time.time() + 60
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    again = subprocess.run(args + ["--out", str(tmp_path / "cut")], capture_output=True, text=True, check=True)
    a, b = json.loads(ref.stdout), json.loads(again.stdout)
    a.pop("wall_seconds"), b.pop("wall_seconds")
    assert a == b
    assert (tmp_path / "cut/log.csv").read_text() == (tmp_path / "ref/log.csv").read_text()


def test_finished_run_is_not_rerun_and_mismatch_is_refused(logic_protocol, tmp_path):
    p = small(logic_protocol, run__max_generations=30)
    first = evolve(p, 1, tmp_path / "r")
    mtime = os.path.getmtime(tmp_path / "r/result.json")
    assert evolve(p, 1, tmp_path / "r") == first
    assert os.path.getmtime(tmp_path / "r/result.json") == mtime
    with pytest.raises(RunMismatch):
        evolve(small(logic_protocol, run__max_generations=31), 1, tmp_path / "r")


def test_stop_rule_and_result_fields(logic_protocol, tmp_path):
    p = logic_protocol("mvg", run__max_generations=20000)
    r = evolve(p, 2, tmp_path / "r")
    by_goal = r["solved_generation_by_goal"]
    assert set(by_goal) == {"G1", "G2"} and None not in by_goal.values()
    assert r["solved_generation"] == max(by_goal.values()) == r["generations_run"] - 1
    assert r["best_accuracy"][r["final_goal"]] == 1.0
    for key in ("experiment", "treatment", "seed", "best_fitness", "n_effective_gates"):
        assert key in r
    lines = (tmp_path / "r/network.txt").read_text().split("\n")
    edges = [tuple(map(int, l.split())) for l in lines if l]
    assert all(w == 1 and s >= 1 and t >= 5 for s, t, w in edges)   # inputs are nodes 1-4


def test_results_do_not_depend_on_number_of_workers(tmp_path):
    sets = (("selection.population", 100), ("selection.elite", 30), ("run.max_generations", 150),
            ("run.stop", "never"))
    jobs1 = plan(LOGIC, ["fixed-g1", "mvg"], [1, 2], tmp_path / "one", sets)
    jobs2 = plan(LOGIC, ["fixed-g1", "mvg"], [1, 2], tmp_path / "two", sets)
    r1 = run_all(jobs1, 1)
    r2 = run_all(jobs2, 2)
    drop = lambda r: {k: v for k, v in r.items() if k != "wall_seconds"}
    assert [drop(r) for r in r1] == [drop(r) for r in r2]


def test_replicate_uses_each_treatments_own_number_of_runs(tmp_path):
    from click.testing import CliRunner
    from replication.cli import main
    args = ["replicate", str(LOGIC), "-t", "decay-g2", "-t", "mvg", "--out", str(tmp_path),
            "--set", "run.max_generations=2"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "ka2005_logic" / "decay-g2").glob("seed-*/result.json"))) == 20
    assert len(list((tmp_path / "ka2005_logic" / "mvg").glob("seed-*/result.json"))) == 50
