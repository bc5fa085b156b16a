"""Golden results: runs of every experiment and treatment, pinned before the engine redesign,
must come out byte-identical (result.json without wall time, digest and version; log.csv;
network.txt).  The cases and the generator are in tests/golden/."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from replication.evolve import evolve
from replication.protocol import load_protocol, parse_override

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from cases import CASES, case_dir  # noqa: E402
from make_golden import pinned_files  # noqa: E402

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("case", CASES, ids=case_dir)
def test_golden_run(case, tmp_path):
    protocol_path, treatment, seed, overrides = case
    sets = [parse_override(o) for o in overrides]
    protocol = load_protocol(ROOT / protocol_path, treatment, sets)
    evolve(protocol, seed, tmp_path / "run", overrides=sets)
    got = pinned_files(tmp_path / "run")
    for name, data in got.items():
        want = (GOLDEN / case_dir(case) / name).read_bytes()
        assert data == want, f"{case_dir(case)}/{name} differs from the pinned result"


def _extra():
    return json.loads((GOLDEN / "extra.json").read_text())


SMALL_QMAX = [("modularity.qmax_generations", 15), ("modularity.qmax_population", 60),
              ("modularity.qmax_elite", 20)]


def test_golden_calibration_retina(tmp_path):
    """The retina's Qmax calibration runs (random ties, as before) equal the pinned ones; the logic
    calibration now honours selection.tie_break = "index" (a deliberate fix), so only its
    random-genome Qrand table is pinned."""
    from replication.calibration import qmax_specs, qrand_genome
    from replication.parallel import run_all
    extra = _extra()
    p = load_protocol(ROOT / "original_protocol/ka2005_retina.toml", "fixed-and", SMALL_QMAX)
    results = run_all(qmax_specs(p, tmp_path, runs=2), 1)
    for k, res in enumerate(results):
        want = extra[f"ka2005_retina/qmax-run-{k}"]
        assert res["q"] == want["q"] and res["best_fitness"] == want["fitness"]
        assert res["genome"] == want["genome"] and res["seed"] == want["seed"]
    for name, path in (("ka2005_retina", "ka2005_retina.toml"), ("ka2005_logic", "ka2005_logic.toml")):
        p = load_protocol(ROOT / "original_protocol" / path, None, SMALL_QMAX)
        table = qrand_genome(p, samples=500)
        assert {str(k): v for k, v in table["by_nodes"].items()} == extra[f"{name}/qrand_genome"]


def test_golden_adaptation(tmp_path):
    """An adaptation run (clone + first-solution stop, through the one loop) equals the pinned one."""
    from replication.adaptation import adaptation_overrides
    extra = _extra()["clune2013_retina/adapt"]
    sets = [("run.max_generations", 30), ("selection.population", 200), ("network.weights", [-2, -1, 1, 2])]
    over = adaptation_overrides(extra["source_genome"], "pinned", "OR", 30)
    p = load_protocol(ROOT / "original_protocol/clune2013_retina.toml", "pcc", sets + over)
    res = evolve(p, 2, tmp_path / "adapt")
    for k in ("wall_seconds", "protocol_digest", "version"):
        res.pop(k)
    assert res == extra["result"]
    assert (tmp_path / "adapt" / "log.csv").read_text() == extra["log"]
    assert np.asarray(p.initial.genomes[0]).tolist() == extra["source_genome"]
