"""Analysis reads runs and writes tables beside them; one Q recipe for every caller."""
import hashlib
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from conftest import LOGIC, ROOT
from replication import analysis as A
from replication import modularity as M
from replication.calibration import calibrate_qmax, load_qmax
from replication.cli import main
from replication.parallel import plan, run_all
from replication.protocol import load_protocol, load_run_protocol

GOLDEN = Path(__file__).parent / "golden"
SMALL = (("run.max_generations", 300),
         ("modularity.qmax_runs", 2), ("modularity.qmax_generations", 20),
         ("modularity.qmax_population", 60), ("modularity.qmax_elite", 20),
         ("modularity.qrand_samples", 20))


def _hashes(root: Path) -> dict:
    """Digest of every file in every run folder (not tables/ or calibration/)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.glob("*/seed-*/**/*")) if p.is_file()}


@pytest.fixture(scope="module")
def exp(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    run_all(plan(LOGIC, ["fixed-g1", "mvg"], [1, 2], root, SMALL), 1)
    return root / "ka2005_logic"


def test_recipe_from_each_protocol():
    logic = M.recipe_from_protocol(load_protocol(LOGIC, "mvg"))
    assert (logic.method, logic.directed, logic.include_inputs, logic.measure) == ("greedy", False, True, "qm")
    assert logic.qmax_method == "evolve" and logic.qrand_samples == 1000
    c13 = M.recipe_from_protocol(load_protocol(ROOT / "original_protocol" / "clune2013_retina.toml", "pcc"))
    assert (c13.method, c13.directed, c13.measure, c13.qrand_method) == ("spectral", True, "q", None)
    with pytest.raises(ValueError, match="unknown partition method"):
        M.Recipe(method="best", directed=False)
    with pytest.raises(ValueError, match="needs q_rand"):
        M.apply_recipe(nx.DiGraph([(1, 2), (2, 3)]), M.Recipe(method="greedy", directed=False,
                                                              qrand_method="genome"), seed=0)


def test_apply_recipe_equals_the_hand_assembled_analysis():
    g = nx.DiGraph([(1, 3), (2, 3), (3, 4), (5, 7), (6, 7), (7, 8), (4, 9), (8, 9), (9, 9)])
    r = M.Recipe(method="greedy", directed=False, qrand_samples=30)
    rep = M.apply_recipe(g, r, seed=4, q_max={"q_max": 0.7, "method": "test"})
    h = M.prepare_graph(g, include_inputs=True, drop_isolated=True, self_loops=False)
    ref = M.analyse_graph(h, method="greedy", directed=False, qrand_samples=30, q_max_value=0.7,
                          q_max_method="test", seed=4)
    assert rep.to_dict() == ref.to_dict()
    assert rep.qm == pytest.approx((rep.q - rep.q_rand) / (0.7 - rep.q_rand))
    # a given null (the genome model) replaces the swaps, and Qm follows it
    rep2 = M.apply_recipe(g, M.Recipe(method="greedy", directed=False, qrand_method="genome"), seed=4,
                          q_max=0.7, q_rand={"mean": 0.3, "sd": 0.01, "method": "table"})
    assert rep2.q_rand == 0.3 and rep2.qm == pytest.approx((rep2.q - 0.3) / 0.4)


def test_the_2013_recipe_gives_the_q_the_runs_recorded():
    for folder in sorted(GOLDEN.glob("clune2013_retina/p*/seed-1"))[:3]:
        res = json.loads((folder / "result.json").read_text())
        p = load_protocol(ROOT / "original_protocol" / "clune2013_retina.toml", res["treatment"])
        rep = M.apply_recipe(A.run_graph(p, res["genome"]), M.recipe_from_protocol(p), seed=1)
        assert rep.q == pytest.approx(res["q"], abs=1e-12)
        assert [[v + 1 for v in c] for c in rep.partition] == res["partition"]   # files count from 1


def test_analyse_only_reads_runs_and_writes_tables(exp):
    before = _hashes(exp)
    assert len(before) >= 4 * 4
    res = A.analyse_experiment(exp)                      # no calibration yet: Qm empty, said so
    assert res["runs"] == 4 and set(res["missing_calibration"]) == {"fixed-g1", "mvg"}
    rows = A.read_modularity_table(exp)
    assert len(rows) == 4 and all(r["qm"] is None and r["q_max"] is None for r in rows.values())
    assert all(r["q_rand"] is not None and isinstance(r["partition"], list) for r in rows.values())
    protocol = load_run_protocol(next(exp.glob("mvg/seed-*")))
    calibrate_qmax(protocol, exp.parent)                 # the calibration stage (not analysis)
    cal_before = {p: p.read_bytes() for p in (exp / "calibration").rglob("*") if p.is_file()}
    res = A.analyse_experiment(exp)
    assert res["missing_calibration"] == {}
    results = A.load_results(exp)
    q_max = load_qmax(exp.parent, protocol)["q_max"]
    for r in results:                                    # merged from tables/modularity.csv
        assert r["q_max"] == q_max
        assert r["qm"] == pytest.approx((r["q"] - r["q_rand"]) / (q_max - r["q_rand"]))
        assert r["q_exact"] >= r["q"] - 1e-9             # the exact partition is never worse
        assert "qm" not in json.loads(Path(r["_folder"], "result.json").read_text())
    assert _hashes(exp) == before                        # every run folder byte-identical
    assert cal_before == {p: p.read_bytes() for p in (exp / "calibration").rglob("*") if p.is_file()}
    tidy = (exp / "tables" / "runs.csv").read_text().splitlines()
    assert len(tidy) == 5 and "qm" in tidy[0].split(",")


def test_cli_analyse_points_to_calibrate(tmp_path):
    run_all(plan(LOGIC, ["mvg"], [1], tmp_path, SMALL), 1)
    res = CliRunner().invoke(main, ["analyse", str(tmp_path / "ka2005_logic")])
    assert res.exit_code == 0, res.output
    assert "replication calibrate" in res.output and "Qm left empty" in res.output
    assert (tmp_path / "ka2005_logic" / "tables" / "modularity.csv").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(main, ["analyse", str(empty)])
    assert res.exit_code != 0 and "no finished runs" in res.output


def test_readaptation_times_from_a_log(tmp_path):
    rows = ["generation,goal,best_fitness,mean_fitness,n_solved"]
    n_solved = {**{g: 0 for g in range(0, 20)}, **{g: 1 for g in range(15, 20)},  # G1 first solved at 15
                **{g: (1 if g >= 35 else 0) for g in range(20, 40)},           # G2 first solved at 35
                **{g: (1 if g >= 43 else 0) for g in range(40, 60)},           # switch at 40: 3 gens
                **{g: (1 if g >= 67 else 0) for g in range(60, 80)},           # switch at 60: 7 gens
                **{g: 0 for g in range(80, 100)},                              # never: 20 (censored)
                **{g: 0 for g in range(100, 105)}}                             # run ends mid-epoch: left out
    for g in range(105):
        rows.append(f"{g},{'G1' if (g // 20) % 2 == 0 else 'G2'},1,0.5,{n_solved[g]}")
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    assert A.readaptation_times(tmp_path) == 7.0          # median of 3, 7, 20
    lines = (tmp_path / "log.csv").read_text().splitlines()
    (tmp_path / "log.csv").write_text("\n".join(lines[:36]) + "\n")      # stops when both are solved
    assert A.readaptation_times(tmp_path) is None
