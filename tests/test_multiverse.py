"""The multiverse: every published claim under every defensible reading (issue: does each
conclusion depend on our choices?)."""
import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import LOGIC
from replication.cli import main
from replication.multiverse import COLUMNS, Variant, holds_table, multiverse_section, variants
from replication.protocol import ProtocolError, alternatives_of, load_protocol


def _collecting_runner(planned: list):
    """A runner that collects the runs it is given; a calibration run "finishes" with a made-up Q."""
    def runner(specs):
        from replication.store import write_json
        planned.extend(specs)
        for s in specs:
            if "/calibration/" in s.folder:
                write_json(Path(s.folder) / "result.json", {"q": 0.6})
    return runner


def test_every_alternative_is_a_valid_value_with_the_default_first():
    paths = sorted(Path("original_protocol").glob("*.toml"))
    with_alternatives = [p for p in paths if "[alternatives]" in p.read_text()]
    assert len(with_alternatives) >= 7                 # every experiment has its readings
    for path in with_alternatives:
        for key, values in alternatives_of(path).items():
            for v in values:                          # each reading builds a valid protocol
                load_protocol(path, None, [(key, v)])


def test_an_alternatives_table_must_list_the_default_first(tmp_path):
    text = open(LOGIC).read().replace('"selection.tie_break" = ["index", "random"]',
                                       '"selection.tie_break" = ["random", "index"]')
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ProtocolError, match="default 'index' first"):
        alternatives_of(bad)


def test_variants_are_one_at_a_time_plus_requested_pairs():
    vs = variants(LOGIC, keys=["selection.tie_break", "circuit.initial_state"])
    assert [v.label for v in vs] == ["default", "selection.tie_break=random", "circuit.initial_state=1"]
    vs = variants(LOGIC, keys=["selection.tie_break"], pairs=["selection.tie_break", "circuit.initial_state"])
    assert vs[-1].overrides == (("selection.tie_break", "random"), ("circuit.initial_state", 1))
    with pytest.raises(ProtocolError, match="no \\[alternatives\\]"):
        variants(LOGIC, keys=["run.max_generations"])


def test_holds_counts_each_reading_once():
    rows = [{"claim": "e/t/q", "reading": "default", "key": "a", "value": "1", "verdict": "reproduced",
             "effect": "x", "n": 3},
            {"claim": "e/t/q", "reading": "default", "key": "b", "value": "0", "verdict": "reproduced",
             "effect": "x", "n": 3},
            {"claim": "e/t/q", "reading": "a=2", "key": "a", "value": "2", "verdict": "not reproduced",
             "effect": "y", "n": 3}]
    assert holds_table(rows) == {"e/t/q": (1, 2)}
    assert "| t/q | 1 of 2 |" in multiverse_section(rows)


def test_multiverse_command_writes_one_row_per_value_and_claim(tmp_path):
    """The issue's Done-when, with a tiny calibration so that it runs in a test."""
    args = ["multiverse", str(LOGIC), "--key", "selection.tie_break", "--runs", "2", "--out", str(tmp_path),
            "--calibration-runs", "1", "--quiet",
            "--set", "run.max_generations=300", "--set", "modularity.qmax_generations=10",
            "--set", "modularity.qmax_population=40", "--set", "modularity.qmax_elite=10"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(tmp_path / "ka2005_logic" / "multiverse.csv")))
    assert set(COLUMNS) <= set(rows[0])
    pairs = [(r["value"], r["claim"]) for r in rows]
    assert len(pairs) == len(set(pairs))                        # one row per (value, claim)
    assert {r["key"] for r in rows} == {"selection.tie_break"}
    assert {r["value"] for r in rows} == {"index", "random"}
    claims = {r["claim"] for r in rows}
    assert {c for v, c in pairs if v == "index"} == {c for v, c in pairs if v == "random"} == claims
    # shortened runs are never "reproduced"
    assert all(r["verdict"] != "reproduced" for r in rows)
    # the variant's runs live in their own folder, with the override recorded
    assert (tmp_path / "ka2005_logic" / "multiverse" / "selection.tie_break=random@run.max_generations=300,"
            "modularity.qmax_generations=10,modularity.qmax_population=40,modularity.qmax_elite=10" / "mvg"
            / "seed-1" / "result.json").exists()
    assert Variant((("selection.tie_break", "random"),)).label == "selection.tie_break=random"


SMALL = [("selection.population", 24), ("selection.elite", 8), ("run.max_generations", 40)]


def test_an_analysis_only_reading_evolves_draw_for_draw_as_the_default(tmp_path):
    """The premise of re-reading the default runs: a run made under modularity.method = exact is
    the default run of the same seed (genome, log, result), so re-analysing it is no shortcut."""
    from replication.api import run_evolution
    from replication.store import reanalysis_run, read_json
    for seed in (1, 2):
        run_evolution("ka2005_logic", "mvg", seed, tmp_path / f"default-{seed}", dict(SMALL))
        exact = SMALL + [("modularity.method", "exact"), ("modularity.include_inputs", False)]
        run_evolution("ka2005_logic", "mvg", seed, tmp_path / f"evolved-{seed}", dict(exact))
        p = load_protocol(LOGIC, "mvg", exact)
        reread = reanalysis_run(tmp_path / f"default-{seed}", tmp_path / f"reread-{seed}", p, seed)
        evolved = read_json(tmp_path / f"evolved-{seed}" / "result.json")
        drop = ("wall_seconds", "evolved_in")
        assert {k: v for k, v in reread.items() if k not in drop} == \
               {k: v for k, v in evolved.items() if k not in drop}
        for name in ("log.csv", "network.txt", "protocol.json"):
            assert (tmp_path / f"reread-{seed}" / name).read_bytes() == \
                   (tmp_path / f"evolved-{seed}" / name).read_bytes()


def test_a_run_made_before_a_key_existed_is_reread_under_an_analysis_reading(tmp_path):
    """Runs made before a key was added (their protocol.json lacks it) are runs of the key's legacy
    value (protocol.LEGACY_DEFAULTS), for the digest and for re-analysis alike; any other value of
    the key still evolves differently."""
    from replication.api import run_evolution
    from replication.protocol import LEGACY_DEFAULTS
    from replication.store import StoreError, read_json, reanalysis_run, write_atomic
    retina = "original_protocol/ka2005_retina.toml"
    small = [("selection.population", 20), ("selection.elite", 6), ("run.max_generations", 5)]
    run_evolution("ka2005_retina", "fixed-and", 1, tmp_path / "old", dict(small))
    stored = read_json(tmp_path / "old" / "protocol.json")
    for dotted in LEGACY_DEFAULTS:                     # as written before these keys existed
        section, key = dotted.split(".")
        stored.get(section, {}).pop(key, None)
    write_atomic(tmp_path / "old" / "protocol.json", json.dumps(stored))
    layered = load_protocol(retina, "fixed-and", small + [("modularity.qrand_null", "layered")])
    r = reanalysis_run(tmp_path / "old", tmp_path / "reread", layered, 1)
    assert r["genome"] == read_json(tmp_path / "old" / "result.json")["genome"]
    other = load_protocol(retina, "fixed-and", small + [("retina.solved_on", "environment")])
    with pytest.raises(StoreError, match="retina.solved_on"):
        reanalysis_run(tmp_path / "old", tmp_path / "other", other, 1)


def test_crowding_ties_are_inert_with_one_objective(tmp_path):
    """PA (one objective) evolves draw for draw alike under either crowding-tie rule, so the
    multiverse re-reads its default runs; P&CC (two objectives) is evolved again."""
    from replication.api import run_evolution
    from replication.multiverse import plan, split_reanalysis
    from replication.store import read_json
    small = {"selection.population": 16, "run.max_generations": 6}
    for ties in ("index", "other-objective"):
        run_evolution("clune2013_retina", "pa", 1, tmp_path / ties, {**small, "selection.crowding_ties": ties})
    drop = ("wall_seconds", "protocol_digest")
    a, b = (read_json(tmp_path / t / "result.json") for t in ("index", "other-objective"))
    assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}
    assert (tmp_path / "index" / "log.csv").read_bytes() == (tmp_path / "other-objective" / "log.csv").read_bytes()
    path = "original_protocol/clune2013_retina.toml"
    specs = plan(path, variants(path, keys=["selection.crowding_ties"]), ["pa", "pcc"], [1], tmp_path)
    evolve, reread = split_reanalysis(specs, tmp_path, "clune2013_retina")
    def reading(spec):                                  # the folder under runs/<experiment>/...
        return "crowding_ties" in Path(spec.folder).relative_to(tmp_path).as_posix()
    assert [(s.treatment, reading(s)) for s, _ in reread] == [("pa", True)]
    assert sorted((s.treatment, reading(s)) for s in evolve) == [("pa", False), ("pcc", False), ("pcc", True)]


def test_an_analysis_only_reading_is_not_evolved_again(tmp_path):
    from replication.multiverse import run_multiverse
    from replication.store import read_json
    evolved = []

    def runner(specs):
        from replication.executor import run_job
        evolved.extend(specs)
        for s in specs:
            run_job(s)
    tiny_qmax = [("modularity.qmax_generations", 5), ("modularity.qmax_population", 20),
                 ("modularity.qmax_elite", 6), ("modularity.qrand_samples", 10)]
    run_multiverse(LOGIC, runner, keys=["modularity.method"], runs=2, runs_root=tmp_path,
                   sets=SMALL + tiny_qmax, treatments=["mvg"], calibration_runs=1)
    from replication.multiverse import variant_dir
    sets = SMALL + tiny_qmax
    default = variant_dir(tmp_path, "ka2005_logic", Variant(), sets)
    exact_dir = variant_dir(tmp_path, "ka2005_logic", Variant((("modularity.method", "exact"),)), sets)
    # the runs: only the default reading's (the calibration runs select on Q: they are evolved)
    assert sorted(s.folder for s in evolved if "/calibration/" not in s.folder) == \
        sorted(str(default / "mvg" / f"seed-{k}") for k in (1, 2))
    for k in (1, 2):
        res = read_json(exact_dir / "mvg" / f"seed-{k}" / "result.json")
        assert res["evolved_in"] == f"../../../{default.name}/mvg/seed-{k}"
        assert res["genome"] == read_json(default / "mvg" / f"seed-{k}" / "result.json")["genome"]
    rows = list(csv.DictReader(open(tmp_path / "ka2005_logic" / "tables" / "modularity.csv"))) \
        if (tmp_path / "ka2005_logic" / "tables" / "modularity.csv").exists() else []
    exact = list(csv.DictReader(open(exact_dir / "tables" / "modularity.csv")))
    assert {r["q_method"] for r in exact} == {"exact"} and not rows


def test_a_variant_is_calibrated_only_where_a_claim_reads_qm(tmp_path):
    """The Fig. 4 circuits' claims (time to solution, modules) read no Qm: no Qmax calibration runs;
    the 4-input circuits' claims do: calibration runs for each reading."""
    from replication.multiverse import run_multiverse
    planned = []
    run_multiverse("original_protocol/ka2005_logic6.toml", planned.extend, keys=["selection.tie_break"],
                   runs=1, runs_root=tmp_path)
    assert planned and not [s for s in planned if "/calibration/" in s.folder]
    planned.clear()
    run_multiverse(LOGIC, _collecting_runner(planned), keys=["selection.tie_break"], runs=1, runs_root=tmp_path,
                   treatments=["mvg"], calibration_runs=1)
    calibrations = {s.folder.split("/calibration/")[1].split("/")[0] for s in planned if "/calibration/" in s.folder}
    assert len(calibrations) == 2          # one per reading: the tie-break changes the calibration's runs


def test_statements_with_a_rule_are_tested_in_every_reading(tmp_path):
    """A statement in words with a rule (the Fig. 4 circuits' "one module per XOR") gets the
    report's verdict under each reading, not "not tested"; --evaluate-only runs nothing."""
    from replication.analysis import tables_dir, write_table
    from replication.multiverse import run_multiverse
    from replication.store import write_result
    exp = tmp_path / "ka2005_logic6"
    modules = [[1, 2, 7], [3, 4, 8], [5, 6, 9]]           # X,Y | Z,W | Q,R: one module per XOR
    for seed in (1, 2, 3):
        write_result(tmp_path, "ka2005_logic6", "mvg", seed, solved_generation=100 * seed, generations_run=400)
    write_table(tables_dir(exp) / "modularity.csv",
                [{"treatment": "mvg", "seed": s, "q": 0.5, "partition": modules} for s in (1, 2, 3)])
    planned = []
    rows = run_multiverse("original_protocol/ka2005_logic6.toml", planned.extend, keys=["selection.tie_break"],
                          runs=3, runs_root=tmp_path, evaluate_only=True)
    assert planned == []
    by = {(r["reading"], r["claim"]): r for r in rows}
    default = by[("default", "ka2005_logic6/mvg/modules")]
    assert default["ours"].startswith("3/3 runs") and "not tested" not in default["verdict"]
    assert by[("selection.tie_break=random", "ka2005_logic6/mvg/modules")]["verdict"] == "no data"


def test_the_controls_run_in_every_reading_but_keep_their_own_stop_rule(tmp_path):
    """The logic controls' statements ("nonmodular" vs MVG, "many feedback loops") have rules, so
    a multiverse with no treatments named runs the controls and their reference under each
    reading; a reading of a key a control sets itself (``run.stop``) leaves that control as in
    the default reading: its runs are the default's, not evolved again."""
    from replication.multiverse import run_multiverse, split_reanalysis, plan, variants
    planned = []
    run_multiverse(LOGIC, _collecting_runner(planned), keys=["selection.tie_break"], runs=1, runs_root=tmp_path,
                   calibration_runs=1)
    runs = {s.treatment for s in planned if "/calibration/" not in s.folder}
    assert {"rvg-g1-random", "rvg-random", "rvg-random-redraw", "q-only", "mvg", "fixed-g1"} <= runs
    specs = plan(LOGIC, variants(LOGIC, keys=["run.stop"]), ["mvg", "q-only", "rvg-random"], [1], tmp_path)
    evolve, reread = split_reanalysis(specs, tmp_path, "ka2005_logic")
    stops = {(Path(s.folder).parent.parent.name, s.treatment): s.protocol().run.stop for s in specs}
    assert stops[("run.stop=sustained", "mvg")] == "sustained"
    assert stops[("run.stop=sustained", "q-only")] == stops[("ka2005_logic", "q-only")] == "first-solution"
    assert stops[("run.stop=sustained", "rvg-random")] == "never"
    assert sorted(s.treatment for s, _ in reread) == ["q-only", "rvg-random"]
    assert all("run.stop=sustained" not in s.folder or s.treatment == "mvg" for s in evolve)


def test_motif_statements_are_tested_on_each_readings_own_networks(tmp_path):
    """"No significant motifs" (the logic controls) needs a motif analysis: each reading gets its
    own, of its runs (the seeds asked for), written once and read again by a later call."""
    from replication.executor import run_all
    from replication.multiverse import MOTIFS_FILE, run_multiverse, variant_dir
    from replication.store import read_json
    tiny_qmax = [("modularity.qmax_generations", 5), ("modularity.qmax_population", 20),
                 ("modularity.qmax_elite", 6), ("modularity.qrand_samples", 10)]
    sets = SMALL + tiny_qmax
    runner = lambda specs: run_all(specs, 1)
    rows = run_multiverse(LOGIC, runner, keys=["selection.tie_break"], runs=2, runs_root=tmp_path, sets=sets,
                          treatments=["mvg", "q-only"], calibration_runs=1)
    by = {(r["reading"], r["claim"]): r for r in rows}
    for v in (Variant(), Variant((("selection.tie_break", "random"),))):
        folder = variant_dir(tmp_path, "ka2005_logic", v, sets)
        done = read_json(folder / MOTIFS_FILE)
        solved = [f"{folder}/q-only/seed-{k}" for k in (1, 2)
                  if read_json(folder / "q-only" / f"seed-{k}" / "result.json").get("solved_generation") is not None]
        assert solved and done["runs"]["q-only"] == solved and set(done["runs"]) == {"mvg", "q-only"}
        row = by[(folder.name, "ka2005_logic/q-only/motifs")]
        assert not row["verdict"].startswith("not tested") and "significant (n = " in row["ours"]
    stamp = (folder / MOTIFS_FILE).stat().st_mtime_ns
    run_multiverse(LOGIC, runner, keys=["selection.tie_break"], runs=2, runs_root=tmp_path, sets=sets,
                   treatments=["mvg", "q-only"], calibration_runs=1)
    assert (folder / MOTIFS_FILE).stat().st_mtime_ns == stamp      # the same runs: not made again


def _perfect_runs(root, experiment_dir_parts, treatment, seeds, goal="AND", imperfect=()):
    """Finished runs whose network is perfect on ``goal`` (except seeds in ``imperfect``)."""
    from replication.store import write_json
    for s in seeds:
        write_json(Path(root, *experiment_dir_parts, treatment, f"seed-{s}", "result.json"),
                   {"treatment": treatment, "seed": s, "genome": [0] * 121,
                    "best_accuracy": {goal: 0.9 if s in imperfect else 1.0}})


def test_adaptation_runs_start_from_each_readings_own_perfect_networks(tmp_path, monkeypatch):
    """With --adapt-replicates, every reading gets adaptation runs from the perfect networks among
    its own runs, under its own overrides; the default reading's go to the experiment's own
    adapt/ folder (reused where the full experiment ran them)."""
    from replication.multiverse import run_multiverse
    # the made-up runs have no network files to analyse
    monkeypatch.setattr("replication.analysis.analyse_experiment", lambda *a, **k: None)
    rule = ("network.output_rule", "non-negative-true")
    reading = ("multiverse", f"{rule[0]}={rule[1]}")
    for parts in ((), reading):
        _perfect_runs(tmp_path, ("clune2013_retina",) + parts, "pa", (1, 2), imperfect=(2,) if parts else ())
        _perfect_runs(tmp_path, ("clune2013_retina",) + parts, "pcc", (1, 2))
    planned = []
    run_multiverse("original_protocol/clune2013_retina.toml", planned.extend, keys=["network.output_rule"],
                   runs=2, runs_root=tmp_path, treatments=["pa", "pcc"], adapt_replicates=3, evaluate_only=False)
    adapt = [s for s in planned if "/adapt/" in s.folder]
    base = tmp_path / "clune2013_retina"
    folders = {Path(s.folder).relative_to(base).as_posix() for s in adapt}
    # default: 2 + 2 networks; the reading: pa seed 2 is not perfect (1 + 2); 3 replicates each
    assert len(adapt) == (4 + 3) * 3
    assert "adapt/pa-AND-to-OR/net-2/rep-3" in folders
    assert f"{reading[0]}/{reading[1]}/adapt/pa-AND-to-OR/net-1/rep-1" in folders
    assert f"{reading[0]}/{reading[1]}/adapt/pa-AND-to-OR/net-2/rep-1" not in folders
    # no pa-or runs asked for (-t pa -t pcc): the OR -> AND adaptations have no sources
    assert not [f for f in folders if "OR-to-AND" in f]
    for s in adapt:
        p = s.protocol()
        assert (p.schedule.goals, p.run.stop) == (("OR",), "first-solution")
        assert p.network.output_rule == ("non-negative-true" if "/multiverse/" in s.folder else "strict")


def test_adaptation_claims_are_evaluated_per_reading_on_its_networks_and_replicates(tmp_path):
    """The adaptation contrast (P&CC adapts faster than PA) from each source network's median over
    replicates 1..R only; n counts source networks; without --adapt-replicates it is untested."""
    from replication.multiverse import run_multiverse
    from replication.store import adaptation_run_dir, write_json
    seeds = range(1, 9)
    _perfect_runs(tmp_path, ("clune2013_retina",), "pa", seeds)
    _perfect_runs(tmp_path, ("clune2013_retina",), "pcc", seeds)
    for net in seeds:
        for rep in (1, 2, 3):
            # replicates 2 and 3 (beyond R = 1) would reverse the contrast if they were read
            pa, pcc = (60 + net, 3) if rep == 1 else (1, 5000)
            write_json(adaptation_run_dir(tmp_path, "clune2013_retina", "pa-AND-to-OR", net, rep)
                       / "result.json", {"generations_run": pa})
            write_json(adaptation_run_dir(tmp_path, "clune2013_retina", "pcc-AND-to-OR", net, rep)
                       / "result.json", {"generations_run": pcc})
    kw = dict(keys=["network.output_rule"], runs=8, runs_root=tmp_path, treatments=["pa", "pcc"],
              evaluate_only=True)
    rows = run_multiverse("original_protocol/clune2013_retina.toml", lambda specs: None, adapt_replicates=1, **kw)
    by = {(r["reading"], r["claim"]): r for r in rows}
    contrast = by[("default", "clune2013_retina/pcc-vs-pa/adapt_and_to_or")]
    assert contrast["verdict"] == "reproduced" and contrast["n"] == 16
    assert by[("default", "clune2013_retina/pcc/adapt_and_to_or")]["ours"].startswith("3 ")
    assert by[("network.output_rule=non-negative-true", "clune2013_retina/pcc-vs-pa/adapt_and_to_or")][
        "verdict"] == "no data"
    rows = run_multiverse("original_protocol/clune2013_retina.toml", lambda specs: None, **kw)
    assert {r["verdict"] for r in rows if "adapt_" in r["claim"]} == {"no data"}


def test_treatments_and_readings_sharing_a_calibration_key_share_its_runs(tmp_path):
    """The calibration key leaves out goals, schedule and run, so a calibration made for mvg is the
    calibration of fixed-g2, q-only (its own stop threshold) and a run.solved_when reading: no
    "made with other parameters" refusal, and the same Qmax."""
    from replication.calibration import calibrate
    from replication.executor import run_all
    tiny = [("modularity.qmax_generations", 4), ("modularity.qmax_population", 20), ("modularity.qmax_elite", 6)]
    runner = lambda specs: run_all(specs, 1)
    first = calibrate(load_protocol(LOGIC, "mvg", tiny), tmp_path, runner, 2)["qmax"]
    for t, extra in (("fixed-g2", []), ("q-only", []), ("mvg", [("run.solved_when", "accuracy")])):
        assert calibrate(load_protocol(LOGIC, t, tiny + extra), tmp_path, runner, 2)["qmax"] == first
