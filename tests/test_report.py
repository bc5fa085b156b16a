"""Tables, figures and the report, on a small set of real run folders (3 runs per treatment)."""
import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import LOGIC, ROOT
from replication import report as R
from replication.analysis import analyse_experiment, load_results, motif_profiles, tidy_table, to_csv
from replication.cli import main
from replication.figures import make_all
from replication.calibration import calibrate, calibration_key, load_qmax
from replication.parallel import plan, run_all
from replication.protocol import load_protocol, load_run_protocol

CAP = 1000
SMALL = (("run.max_generations", CAP),
         ("modularity.qmax_runs", 2), ("modularity.qmax_generations", 30),
         ("modularity.qmax_population", 100), ("modularity.qmax_elite", 30),
         ("modularity.qrand_samples", 50))
COUNT_TIME_QM = ("solved_runs", "generations_to_solution", "qm", "readaptation_generations")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    run_all(plan(LOGIC, ["fixed-g1", "mvg"], [1, 2, 3], root, SMALL), 1)
    # Qmax is a calibration stage of its own (`replication calibrate`), made of ordinary runs
    for treatment in ("fixed-g1", "mvg"):
        calibrate(load_protocol(LOGIC, treatment, list(SMALL)), root, runner=lambda specs: run_all(specs, 1))
    analyse_experiment(root / "ka2005_logic")
    motif_profiles(root / "ka2005_logic", sizes=(3,), n_random=5, solved_only=False)
    return root


@pytest.fixture(scope="module")
def figures(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    make_all(runs, out)
    return out


@pytest.fixture
def protocols_at_our_cap(tmp_path):
    """The protocol files with the logic experiment's cap lowered to our runs' (so the runs count
    as complete and only the sample size limits the verdicts)."""
    d = tmp_path / "protocols"
    shutil.copytree(ROOT / "original_protocol", d)
    f = d / "ka2005_logic.toml"
    text = f.read_text()
    assert "max_generations = 100000" in text
    f.write_text(text.replace("max_generations = 100000", f"max_generations = {CAP}"))
    return d


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
    parsed = list(csv.DictReader(to_csv(table).splitlines()))
    assert len(parsed) == 6 and "accuracy_G2" in parsed[0]        # union of columns (MVG has two goals)
    on_disk = list(csv.DictReader(open(runs / "ka2005_logic" / "tables" / "runs.csv")))
    assert [r["seed"] for r in on_disk] == [str(r["seed"]) for r in table]


def test_every_figure_renders_from_the_runs(runs, figures):
    made = make_all(runs, figures)
    expected = {"ka2005_fig1ab", "ka2005_fig1cd", "ka2005_fig2"}
    assert expected <= {name for name, paths in made.items() if paths}
    for name in expected:
        png, pdf, src = made[name]
        assert png.stat().st_size > 5000 and pdf.stat().st_size > 1000
        assert json.loads(src.read_text())["runs"]                      # names the runs it came from
    assert made["clune2013_fig2cd"] == []                                # no 2013 runs: skipped


def _logic_rows(runs, protocols=R.PROTOCOLS):
    return [r for r in R.evaluate_claims(runs, protocols=protocols) if r.claim.experiment == "ka2005_logic"]


def test_three_runs_per_treatment_never_reproduce_a_count_time_or_qm(runs, protocols_at_our_cap, tmp_path):
    # as made (capped at 1,000 of the protocol's 100,000 generations): not comparable, and says so
    for row in _logic_rows(runs):
        assert row.verdict.label != R.REPRODUCED, row
        if row.ours != "-":
            # times and solved networks' Qm stay comparable under one common cap, and say it
            tolerant = row.claim.quantity in R.CAP_TOLERANT
            assert (row.verdict.label == R.NOT_COMPARABLE or tolerant) and (
                "100,000" in row.verdict.why or "capped at 1,000" in row.verdict.why), row
    # the same runs judged as complete: 3 runs still cannot support "reproduced", and each row says why
    rows = _logic_rows(runs, protocols_at_our_cap)
    judged = [r for r in rows if r.claim.quantity in COUNT_TIME_QM and r.verdict.label != R.NO_DATA]
    assert {r.claim.quantity for r in judged} >= {"solved_runs", "generations_to_solution"}
    for row in judged:
        assert row.verdict.label in (R.INCONCLUSIVE, R.NOT, R.NOT_COMPARABLE), row
        assert row.verdict.why, row
    solved = next(r for r in rows if r.claim.id == "ka2005_logic/fixed-g1/solved_runs")
    if solved.verdict.label == R.INCONCLUSIVE:                  # Fisher against 36/50 could not reject
        assert "power" in solved.verdict.why and "/50" in solved.verdict.why
    contrasts = [r for r in rows if r.claim.kind == "contrast"]
    assert contrasts and all(r.verdict.label == R.NOT_COMPARABLE and "cannot reach" in r.verdict.why
                             for r in contrasts)
    # and the document built from them
    text = R.build_report(runs, tmp_path, protocols=protocols_at_our_cap)
    summary = text.split("## Claims at a glance")[1].split("## Treatments")[0]
    assert "**reproduced**" not in summary
    assert R.INCONCLUSIVE in summary or R.NOT_COMPARABLE in summary


def test_report_opens_with_the_claims_and_has_glossary_html_and_captions(runs, figures):
    src = make_all(runs, figures, only=["ka2005_fig2"])["ka2005_fig2"][2]
    name = src.name.removesuffix(".sources.json")
    data = json.loads(src.read_text())
    data["caption"] = "Example circuits, drawn by module (test caption)."
    src.write_text(json.dumps(data))
    path = R.write_report(runs, figures)
    text = path.read_text()
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[:4] == ["Claims at a glance", "Treatments", "What was run", "How the verdicts are decided"]
    summary = text.split("## Claims at a glance")[1].split("## Treatments")[0]
    assert "36 of 50 runs" in summary and "0.54 +- 0.02" in summary and "holds under N of M readings" in summary
    assert "modularly varying goals" in text.split("## Treatments")[1]          # glossary from the protocol
    assert f"![{name}]({name}.png)\n\n*{name}.* Example circuits" in text
    page = (figures / "REPORT.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "(test caption)" in page and "<table>" in page and f'src="{name}.png"' not in page


def test_multiverse_readings_fill_the_summary_column(runs, tmp_path):
    mv = runs / "ka2005_logic" / "multiverse.csv"
    fields = ["key", "value", "treatment", "claim", "published", "ours", "n", "verdict"]
    with open(mv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for value, verdict in (("greedy", R.REPRODUCED), ("exact", R.NOT), ("spectral", R.REPRODUCED)):
            w.writerow({"key": "modularity.method", "value": value, "treatment": "mvg",
                        "claim": "ka2005_logic/mvg/qm", "published": "0.54 +- 0.02", "ours": "-",
                        "n": 50, "verdict": verdict})
    try:
        rows = {r.claim.id: r for r in R.evaluate_claims(runs)}
        assert rows["ka2005_logic/mvg/qm"].readings == "2 of 3; n = 50 per reading"
        assert rows["ka2005_logic/fixed-g1/qm"].readings == "-"
    finally:
        mv.unlink()


def test_report_and_figures_refuse_a_missing_or_empty_runs_folder(tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "REPORT.md").write_text("the previous report\n")
    (tmp_path / "empty").mkdir()
    for runs in (tmp_path / "missing", tmp_path / "empty"):
        for cmd in ("report", "figures"):
            res = CliRunner().invoke(main, [cmd, "--runs", str(runs), "--out", str(out)])
            assert res.exit_code != 0 and "nothing written" in res.output, res.output
    assert (out / "REPORT.md").read_text() == "the previous report\n"
    with pytest.raises(ValueError, match="no finished runs"):
        R.write_report(tmp_path / "empty", out)


def test_verdict_rules_tell_small_samples_from_differences():
    pub_qm = {"mean": 0.54, "se": 0.02}
    assert R.verdict_mean((0.53, 0.02, 50), pub_qm).label == R.REPRODUCED
    assert R.verdict_mean((0.53, 0.02, 3), pub_qm).label == R.INCONCLUSIVE    # same numbers, 3 runs
    assert R.verdict_mean((0.10, 0.02, 50), pub_qm, contrast_ok=False).label == R.NOT
    assert R.verdict_mean((0.30, 0.02, 50), pub_qm, contrast_ok=True).label == R.DIRECTION
    assert R.verdict_mean((0.5, float("nan"), 1), pub_qm).label == R.NOT_COMPARABLE
    pub_count = {"value": 36, "of": 50}
    assert R.verdict_count(35, 50, pub_count).label == R.REPRODUCED
    assert R.verdict_count(5, 50, pub_count).label == R.NOT
    assert R.verdict_count(2, 3, pub_count).label == R.INCONCLUSIVE             # "2/3 vs 36/50"
    # a fraction is tested out of the published n (28/50), not ours: 0/8 is a clear difference
    split = {"fraction": 0.56, "n": 50}
    v = R.verdict_fraction(0, 8, split)
    assert v.label == R.NOT and "28/50" in v.why and "0.0047" in v.why
    assert R.verdict_fraction(28, 50, split).label == R.REPRODUCED
    pub_spread = {"centre": 9000, "plus": 19000, "minus": 2000}
    assert R.verdict_spread([12000] * 8, pub_spread).label == R.REPRODUCED
    assert R.verdict_spread([559] * 8, pub_spread).label == R.NOT
    assert R.verdict_spread([12000] * 3, pub_spread).label == R.INCONCLUSIVE
    pub_ci = {"median": 0.42, "ci": [0.25, 0.45]}
    assert R.verdict_ci([0.38, 0.40, 0.41, 0.42, 0.43, 0.44, 0.40, 0.42], pub_ci).label == R.REPRODUCED
    assert R.verdict_ci([0.10, 0.08, 0.12, 0.11, 0.09, 0.10], pub_ci).label == R.NOT
    assert R.verdict_ci([0.40, 0.42], pub_ci).label == R.INCONCLUSIVE
    # a wide CI that merely overlaps is not enough: each median must lie in the other's CI
    assert R.verdict_ci([5.5, 100, 208, 300, 832, 10, 700], {"median": 65, "ci": [62, 69]}).label == R.NOT


def test_contrast_verdicts_need_a_test_that_can_decide():
    hi, lo = [0.5, 0.6, 0.55, 0.52, 0.58, 0.61], [0.1, 0.12, 0.2, 0.15, 0.11, 0.13]
    assert R.verdict_contrast(hi, lo, "greater").label == R.REPRODUCED
    assert R.verdict_contrast(hi, lo, "less").label == R.NOT
    assert R.verdict_contrast(hi[:3], lo[:3], "greater").label == R.NOT_COMPARABLE
    same = [0.3, 0.31, 0.29, 0.3, 0.32, 0.28]
    weak = R.verdict_contrast(same, [0.31, 0.3, 0.29, 0.3, 0.3, 0.29], "greater", effect=0.5)
    assert weak.label == R.INCONCLUSIVE and "power" in weak.why
    strong = R.verdict_contrast(same * 10, same[::-1] * 10, "greater", effect=5.0)   # 60 v 60, no difference
    assert strong.label == R.NOT and "power against the published effect 1.00" in strong.why
    # counts: Fisher, with the power against the published rates (the 2013 split, 28/50 vs 0/50)
    assert R.verdict_contrast((3, 8), (0, 8), "greater", counts=True, rates=(0.56, 0.0)).label == R.INCONCLUSIVE
    assert R.verdict_contrast((1, 50), (0, 50), "greater", counts=True, rates=(0.56, 0.0)).label == R.NOT
    assert R.verdict_contrast((20, 50), (0, 50), "greater", counts=True, rates=(0.56, 0.0)).label == R.REPRODUCED
    # without a published effect size, a null result counts only at the paper's own n
    assert R.verdict_contrast(same * 10, same[::-1] * 10, "less", published_n=50).label == R.NOT
    assert R.verdict_contrast(same, same[::-1], "less", published_n=50).label == R.INCONCLUSIVE
    # the published Qm contrast (0.54 vs 0.12, SE 0.02, n = 50) is ~3 SD: 3 runs per group cannot test it
    e = R._published_effect("qm", {"mean": 0.54, "se": 0.02, "n": 50}, {"mean": 0.12, "se": 0.02, "n": 50})
    assert e == pytest.approx(0.42 / (0.02 * 50 ** 0.5))


def test_every_published_value_is_a_claim_with_a_rule():
    claims = R.load_claims()
    assert len({c.id for c in claims}) == len(claims)
    kinds = {c.kind for c in claims}
    assert kinds == {"count", "fraction", "mean", "median", "spread", "value", "contrast", "qualitative"}
    for c in claims:
        assert c.statement
        if c.kind == "qualitative":
            assert isinstance(c.published["value"], str)
        elif c.kind == "contrast":
            assert c.direction in ("greater", "less") and c.published["published"]
        else:
            assert R.values_of(c.quantity, [], {}, c.treatment) is not None


def test_compare_external_networks(runs, tmp_path):
    from replication.external import compare
    results = load_results(runs / "ka2005_logic")
    for k, r in enumerate(results[:2]):
        (tmp_path / f"n{k}.txt").write_text((Path(r["_folder"]) / "network.txt").read_text())
    manifest = "\n".join(f'[[network]]\nfile = "n{k}.txt"\nexperiment = "ka2005_logic"\n'
                         f'treatment = "{results[k]["treatment"]}"\nformat = "mfinder"\n' for k in range(2))
    (tmp_path / "manifest.toml").write_text(manifest)
    res = compare(tmp_path, runs, n_random=5)
    assert len(res["networks"]) == 2 and (tmp_path / "compare.json").exists()
    for net, r in zip(res["networks"], results[:2]):
        assert net["q"] == pytest.approx(r["q"], abs=1e-9)              # same recipe as our runs
    ext = R.load_external(tmp_path / "compare.json")
    assert ("ka2005_logic", results[0]["treatment"]) in ext


def test_qualitative_rules_can_fail_and_can_be_undecided():
    """The two tested qualitative statements: a control with a significant motif, or more modular
    than the reference, is "not reproduced"; too few networks to see the reference's motifs is
    "inconclusive"; statements without a rule stay untested."""
    from replication.report import (INCONCLUSIVE, NOT, QUALITATIVE, REPRODUCED, Claim, Row, Verdict,
                                    apply_qualitative_rules)

    def claim(quantity, value):
        return Claim(f"e/ctrl/{quantity}", "e", "qualitative", quantity, value,
                     {"value": value, "reference": "mvg"}, treatment="ctrl")

    def motif(z, se, n=20):
        return {"3": [{"id": 38, "n": n, "z_mean": z, "z_se": se}]}

    def verdict(c, results=(), motifs=None):
        rows = [Row(c, "-", Verdict(QUALITATIVE))]
        apply_qualitative_rules(rows, list(results), motifs)
        return rows[0].verdict.label

    motifs = claim("motifs", "no significant motifs")
    strong = motif(4.0, 0.3)
    assert verdict(motifs, motifs={"n_networks": {"ctrl": 20, "mvg": 20},
                                   "treatments": {"ctrl": motif(0.1, 0.3), "mvg": strong}}) == REPRODUCED
    assert verdict(motifs, motifs={"n_networks": {"ctrl": 20, "mvg": 20},
                                   "treatments": {"ctrl": motif(3.5, 0.3), "mvg": strong}}) == NOT
    assert verdict(motifs, motifs={"n_networks": {"ctrl": 2, "mvg": 20},
                                   "treatments": {"ctrl": motif(0.1, 0.3), "mvg": strong}}) == INCONCLUSIVE
    modular = claim("modularity", "nonmodular")
    runs = ([{"treatment": "ctrl", "qm": 0.5 + 0.01 * k} for k in range(10)]
            + [{"treatment": "mvg", "qm": 0.1 + 0.01 * k} for k in range(10)])
    assert verdict(modular, runs) == NOT
    swapped = [{**r, "treatment": "mvg" if r["treatment"] == "ctrl" else "ctrl"} for r in runs]
    assert verdict(modular, swapped) == REPRODUCED
    assert verdict(claim("feedback", "many feedback loops"), runs) == QUALITATIVE


def test_every_published_rule_name_has_a_rule():
    """A claim in published.toml that names a ``test`` must be tested by that rule (a misspelt
    name would silently leave it 'not tested')."""
    from replication.report import QUALITATIVE_RULES, load_claims
    named = {c.id: c.published["test"] for c in load_claims() if "test" in c.published}
    assert named, "published.toml names no rule"
    assert {cid: t for cid, t in named.items() if t not in QUALITATIVE_RULES} == {}
