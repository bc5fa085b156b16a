"""Analysis tables, figures and the report, on a small set of real run folders."""
import csv
import json

import pytest

from conftest import LOGIC
from replication import report as R
from replication.analysis import annotate_modularity, load_results, motif_profiles, tidy_table, to_csv
from replication.figures import make_all
from replication.calibration import calibrate, calibration_key, load_qmax
from replication.parallel import plan, run_all
from replication.protocol import load_protocol

SMALL = (("run.max_generations", 2500),
         ("modularity.qmax_runs", 2), ("modularity.qmax_generations", 30),
         ("modularity.qmax_population", 100), ("modularity.qmax_elite", 30),
         ("modularity.qrand_samples", 50))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    run_all(plan(LOGIC, ["fixed-g1", "mvg"], [1, 2, 3], root, SMALL), 1)
    # Qmax is a calibration stage of its own (`replication calibrate`), made of ordinary runs
    for treatment in ("fixed-g1", "mvg"):
        calibrate(load_protocol(LOGIC, treatment, list(SMALL)), root, runner=lambda specs: run_all(specs, 1))
    annotate_modularity(root / "ka2005_logic", root)
    motif_profiles(root / "ka2005_logic", sizes=(3,), n_random=5, solved_only=False)
    return root


def test_tidy_table_has_one_row_per_run(runs):
    results = load_results(runs / "ka2005_logic")
    table = tidy_table(results)
    assert len(table) == 6 and {r["treatment"] for r in table} == {"fixed-g1", "mvg"}
    for row, res in zip(table, results):
        assert row["seed"] == res["seed"] and row["size"] == res["n_effective_gates"]
        assert row["qm"] == res["qm"] and row["folder"].endswith(f"seed-{res['seed']}")
        assert res["q_max"] == load_qmax(runs, load_protocol(LOGIC, "mvg", list(SMALL)))["q_max"]   # calibrated
    # the two treatments share one calibration (same recipe), of the protocol's reduced size
    p = load_protocol(LOGIC, "fixed-g1", list(SMALL))
    assert calibration_key(p) == calibration_key(load_protocol(LOGIC, "mvg", list(SMALL)))
    cal = load_qmax(runs, p)
    assert cal["runs"] == 2 and all(r["calibration_key"] == cal["calibration_key"] for r in results)
    text = to_csv(table)
    parsed = list(csv.DictReader(text.splitlines()))
    assert len(parsed) == 6 and "accuracy_G2" in parsed[0]        # union of columns (MVG has two goals)


def test_every_figure_renders_from_the_runs(runs, tmp_path):
    made = make_all(runs, tmp_path)
    expected = {"ka2005_fig1ab", "ka2005_fig1cd", "ka2005_fig2", "ka2005_logic_qm"}
    assert expected <= {name for name, paths in made.items() if paths}
    for name in expected:
        png, pdf, src = made[name]
        assert png.stat().st_size > 5000 and pdf.stat().st_size > 1000
        assert json.loads(src.read_text())["runs"]                      # names the runs it came from
    assert made["clune2013_fig2cd"] == []                                # no 2013 runs: skipped


def test_report_puts_ours_beside_published(runs, tmp_path):
    make_all(runs, tmp_path)
    path = R.write_report(runs, tmp_path)
    text = path.read_text()
    assert "## Kashtan & Alon 2005: logic circuits" in text and "0.54 +- 0.02" in text
    assert "![ka2005_logic_qm](ka2005_logic_qm.png)" in text
    assert "git " in text and "How the verdicts are decided" in text


def test_deliberately_different_values_are_not_reproduced():
    pub_qm = {"mean": 0.54, "se": 0.02}
    assert R.verdict_mean((0.53, 0.02, 50), pub_qm) == R.REPRODUCED
    assert R.verdict_mean((0.10, 0.02, 50), pub_qm, contrast_ok=False) == R.NOT
    assert R.verdict_mean((0.30, 0.02, 50), pub_qm, contrast_ok=True) == R.DIRECTION
    pub_count = {"value": 36, "of": 50}
    assert R.verdict_count(35, 50, pub_count) == R.REPRODUCED
    assert R.verdict_count(5, 50, pub_count) == R.NOT
    pub_spread = {"centre": 9000, "plus": 19000, "minus": 2000}
    assert R.verdict_spread(12000, pub_spread) == R.REPRODUCED
    assert R.verdict_spread(559, pub_spread) == R.NOT
    pub_ci = {"median": 0.42, "ci": [0.25, 0.45]}
    assert R.verdict_ci((0.40, 0.35, 0.44), pub_ci) == R.REPRODUCED
    assert R.verdict_ci((0.10, 0.08, 0.12), pub_ci, contrast_ok=False) == R.NOT
    # a wide CI that merely overlaps is not enough: each median must lie in the other's CI
    assert R.verdict_ci((208, 5.5, 832), {"median": 65, "ci": [62, 69]}) == R.NOT
    assert R.verdict_ci((10, 1, 108), {"median": 3, "ci": [2, 5]}, contrast_ok=True) == R.DIRECTION
    assert R.verdict_fraction(28, 50, {"fraction": 0.56}) == R.REPRODUCED
    assert R.verdict_fraction(0, 50, {"fraction": 0.56}) == R.NOT


def test_verdict_rows_flag_a_changed_published_value(runs, monkeypatch):
    results = load_results(runs / "ka2005_logic")
    assert any(r["solved_generation"] is not None for r in results if r["treatment"] == "mvg")
    fake = {"mvg": {"qm": {"mean": 5.0, "se": 0.01}, "solved_runs": {"value": 0, "of": 50}}}
    monkeypatch.setattr(R, "published", lambda experiment: fake)
    rows = R.verdict_rows_2005(results, "ka2005_logic", "fixed-g1")
    by_q = {r["quantity"]: r for r in rows}
    assert by_q["runs solved"]["verdict"] == R.NOT
    assert by_q["Qm (mean +- SE)"]["verdict"] in (R.NOT, R.DIRECTION)


def test_compare_external_networks(runs, tmp_path):
    from replication.external import compare
    results = load_results(runs / "ka2005_logic")
    for k, r in enumerate(results[:2]):
        (tmp_path / f"n{k}.txt").write_text((__import__("pathlib").Path(r["_folder"]) / "network.txt").read_text())
    manifest = "\n".join(f'[[network]]\nfile = "n{k}.txt"\nexperiment = "ka2005_logic"\n'
                         f'treatment = "{results[k]["treatment"]}"\nformat = "mfinder"\n' for k in range(2))
    (tmp_path / "manifest.toml").write_text(manifest)
    res = compare(tmp_path, runs, n_random=5)
    assert len(res["networks"]) == 2 and (tmp_path / "compare.json").exists()
    for net, r in zip(res["networks"], results[:2]):
        assert net["q"] == pytest.approx(r["q"], abs=1e-9)              # same recipe as our runs
    ext = R.load_external(tmp_path / "compare.json")
    assert ("ka2005_logic", results[0]["treatment"]) in ext
