"""The adaptation experiment's starting networks (Clune et al. 2013, section 3: "We ran
additional trials until 50 P&CC and 50 PA trials each had a perfectly performing network").

The source trials are planned in batches; the networks chosen must not depend on the
batching, the treatment's own sample must not grow, and the adaptation times must not see
the trials."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from replication.adaptation import plan_source_trials, source_networks, trials_so_far
from replication.analysis import load_results, read_adaptation_times
from replication.cli import main
from replication.store import adaptation_run_dir, iter_runs, run_dir, write_json

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = str(ROOT / "original_protocol" / "clune2013_retina.toml")
EXP = "clune2013_retina"


def perfect(seed: int) -> bool:
    """A stand-in for evolution: which seeds end with a perfect network (about 1 in 3)."""
    return (seed * 7919) % 3 == 0


def finish(folder, seed):
    write_json(Path(folder) / "result.json",
               {"seed": seed, "treatment": "pa", "experiment": EXP,
                "best_accuracy": {"AND": 1.0 if perfect(seed) else 0.875}, "generations_run": 10})


def fill(root, networks, max_trials=1000):
    """Plan and 'run' batches until the planner has nothing left; the batch sizes seen."""
    batches = []
    while specs := plan_source_trials(PROTOCOL, root, EXP, "pa", "AND", networks, max_trials):
        batches.append(len(specs))
        for s in specs:
            finish(s.folder, s.seed)
    return batches


@pytest.mark.parametrize("own_runs", [0, 5, 12])
def test_fill_reaches_the_first_perfect_networks_in_seed_order(tmp_path, own_runs):
    for seed in range(1, own_runs + 1):
        finish(run_dir(tmp_path, EXP, "pa", seed), seed)
    batches = fill(tmp_path, networks=10)
    chosen = [r["seed"] for r in source_networks(tmp_path / EXP, "pa", "AND")][:10]
    assert chosen == [s for s in range(1, 1000) if perfect(s)][:10]
    assert len(batches) >= 1
    # the treatment's own sample is untouched: the trials are not among its runs
    assert sorted(r["seed"] for r in load_results(tmp_path / EXP)) == list(range(1, own_runs + 1))
    # every seed up to the last chosen network was run exactly once, own runs or trials
    assert trials_so_far(tmp_path / EXP, "pa")[:chosen[-1]] == list(range(1, chosen[-1] + 1))


def test_batching_does_not_change_the_networks(tmp_path):
    """One trial at a time (max_trials raised step by step) or in planned batches: the same set."""
    a, b = tmp_path / "a", tmp_path / "b"
    fill(a, networks=6)
    for cap in range(1, 40):
        fill(b, networks=6, max_trials=cap)
    seeds = lambda root: [r["seed"] for r in source_networks(root / EXP, "pa", "AND")][:6]
    assert seeds(a) == seeds(b)


def test_max_trials_stops_an_impossible_fill(tmp_path):
    for seed in range(1, 4):
        write_json(run_dir(tmp_path, EXP, "pa", seed) / "result.json",
                   {"seed": seed, "best_accuracy": {"AND": 0.5}})
    batches = []
    while specs := plan_source_trials(PROTOCOL, tmp_path, EXP, "pa", "AND", 5, max_trials=20):
        batches.append(len(specs))
        for s in specs:
            write_json(Path(s.folder) / "result.json", {"seed": s.seed, "best_accuracy": {"AND": 0.5}})
    assert sum(batches) == 17 and len(trials_so_far(tmp_path / EXP, "pa")) == 20


def test_source_trials_are_not_adaptation_runs(tmp_path):
    finish(run_dir(tmp_path, EXP, "pa", 1), 1)
    fill(tmp_path, networks=3)
    write_json(adaptation_run_dir(tmp_path, EXP, "pa-AND-to-OR", 3, 1) / "result.json", {"generations_run": 17})
    assert read_adaptation_times(tmp_path / EXP) == {"pa-AND-to-OR": [17]}
    kinds = {r.kind for r in iter_runs(tmp_path, include=("runs", "adapt", "sources"))}
    assert kinds == {"runs", "adapt", "sources"}
    assert {r.kind for r in iter_runs(tmp_path / EXP / "adapt")} == {"adapt"}


def test_fill_needs_a_number_of_networks(tmp_path):
    res = CliRunner().invoke(main, ["adapt", PROTOCOL, "-t", "pa", "--fill", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "--fill needs --networks" in res.output


def _source(root):
    """A finished pcc run (2 generations) whose network we declare perfect on AND."""
    from replication.api import run_evolution
    from replication.store import read_json
    folder = run_dir(root, EXP, "pcc", 1)
    run_evolution(EXP, "pcc", 1, folder, {"run.max_generations": 2, "selection.population": 40})
    res = read_json(folder / "result.json")
    write_json(folder / "result.json", {**res, "best_accuracy": {"AND": 1.0, "OR": 0.5}})


def test_adapt_command_is_the_same_in_a_process_pool(tmp_path):
    """`adapt --jobs 2` writes the same runs as `--jobs 1` (each depends on genome, goal and seed;
    the same runs folder, so the recorded source and the protocol digest agree too)."""
    import shutil
    _source(tmp_path)
    out = {}
    for jobs in (1, 2):
        shutil.rmtree(tmp_path / EXP / "adapt", ignore_errors=True)
        res = CliRunner().invoke(main, ["adapt", PROTOCOL, "-t", "pcc", "--replicates", "2", "--max-generations", "3",
                                        "--jobs", str(jobs), "-q", "-o", str(tmp_path)])
        assert res.exit_code == 0, res.output
        runs = sorted(iter_runs(tmp_path / EXP / "adapt"), key=lambda r: (r.seed, r.replicate))
        assert [(r.variant, r.seed, r.replicate) for r in runs] == [("pcc-AND-to-OR", 1, 1), ("pcc-AND-to-OR", 1, 2)]
        out[jobs] = [({k: v for k, v in r.result.items() if k != "wall_seconds"},
                      (Path(r.folder) / "log.csv").read_text()) for r in runs]
    assert out[1] == out[2]


def test_the_source_of_an_adaptation_differs_from_its_treatment_only_in_the_goal():
    """OR -> AND adaptations start from networks evolved under L-OR-R with the same objectives
    (pa from pa-or, pcc from pcc-or); a treatment without such a twin is an error, not a guess."""
    from replication.adaptation import source_treatment_for
    from replication.protocol import load_protocol
    path = "original_protocol/clune2013_retina.toml"
    for t in ("pa", "pcc"):
        assert source_treatment_for(path, t, "AND") == t
        src = source_treatment_for(path, t, "OR")
        assert src == f"{t}-or"
        a, b = load_protocol(path, t), load_protocol(path, src)
        assert (a.resolved["objectives"], b.schedule.goals) == (b.resolved["objectives"], ("OR",))
    with pytest.raises(ValueError, match="fixed goal OR"):
        source_treatment_for(path, "pcc-nc", "OR")


def test_an_adaptation_run_is_the_same_run_whatever_path_named_its_source(tmp_path):
    """The source folder is provenance: a finished adaptation run is found again when its network
    is named by another path to the same runs (relative vs absolute --out), not a RunMismatch;
    another genome is another run."""
    from replication.adaptation import adaptation_protocol
    from replication.executor import RunSpec, run_job
    from replication.protocol import load_protocol
    from replication.store import RunMismatch
    p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    genome = [0] * 121
    folder = tmp_path / "adapt" / "pcc-AND-to-OR" / "net-1" / "rep-1"
    first = run_job(RunSpec.of(adaptation_protocol(p, genome, "runs/clune2013_retina/pcc/seed-1", "OR", 3), 1, folder))
    again = run_job(RunSpec.of(adaptation_protocol(p, genome, str(tmp_path / "runs/clune2013_retina/pcc/seed-1"),
                                                   "OR", 3), 1, folder))
    assert again == first
    with pytest.raises(RunMismatch, match="initial.genomes"):
        run_job(RunSpec.of(adaptation_protocol(p, [1] + genome[1:], "runs/clune2013_retina/pcc/seed-1", "OR", 3),
                           1, folder))
