"""Golden values of the Qmax calibration run, the random-genome Qrand table and one adaptation run.

    python tests/golden/make_golden_extra.py
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from replication.protocol import load_protocol

HERE = Path(__file__).parent
SMALL_QMAX = ["modularity.qmax_generations=15", "modularity.qmax_population=60", "modularity.qmax_elite=20"]


def overrides(items):
    from replication.protocol import parse_override
    return [parse_override(s) for s in items]


if __name__ == "__main__":
    from replication.calibration import qmax_run, qrand_genome
    from replication.evolve_nsga2 import evolve_nsga2
    out = {}
    for path, t in (("original_protocol/ka2005_logic.toml", "fixed-g1"),
                    ("original_protocol/ka2005_retina.toml", "fixed-and")):
        p = load_protocol(path, t, overrides(SMALL_QMAX))
        name = p.name
        out[f"{name}/qmax-run-0"] = qmax_run(p, 0)
        out[f"{name}/qmax-run-1"] = qmax_run(p, 1)
        table = qrand_genome(p, samples=500)
        out[f"{name}/qrand_genome"] = {str(k): v for k, v in table["by_nodes"].items()}
    # adaptation: a P&CC network of a short run, cloned and evolved under OR
    p = load_protocol("original_protocol/clune2013_retina.toml", "pcc",
                      overrides(["run.max_generations=40", "selection.population=200"]))
    with tempfile.TemporaryDirectory() as tmp:
        src = evolve_nsga2(p, 1, Path(tmp) / "src")
        q = load_protocol("original_protocol/clune2013_retina.toml", "pcc",
                          overrides(["run.max_generations=30", "selection.population=200",
                                     "schedule.goals=[\"OR\"]", "run.log_every=1"]))
        res = evolve_nsga2(q, 2, Path(tmp) / "adapt", initial_genome=np.array(src["genome"], np.int8),
                           stop_when_solved=True)
        for k in ("wall_seconds", "protocol_digest", "version"):
            res.pop(k)
        out["clune2013_retina/adapt"] = {"source_genome": src["genome"], "result": res,
                                          "log": (Path(tmp) / "adapt" / "log.csv").read_text()}
    (HERE / "extra.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print("pinned", len(out), "values")
