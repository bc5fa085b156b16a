"""Networks made by other programs (e.g. the original authors' code) through our analysis.

A folder holds network files (mfinder edge lists, plain edge lists or GraphML) and a
``manifest.toml``::

    [[network]]
    file = "run1_best.txt"          # relative to the folder
    experiment = "ka2005_logic"     # which protocol's analysis recipe applies
    treatment = "mvg"               # grouped with our runs of this treatment
    goal = "G1"                     # optional, recorded only
    format = "mfinder"              # optional: auto (default), mfinder, edgelist, graphml
    output = 16                     # optional: keep only nodes with a path to this node

Each network gets Q (the experiment's recipe), Qrand, Qm (with the experiment's Qmax
calibration when ``runs/<experiment>/calibration`` has one) and 3- and 4-node motif
Z-scores; results and per-(experiment, treatment) aggregates go to ``compare.json``.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from .analysis import mean_se
from .catalog import protocol_path
from .motifs import aggregate_z, analyse as motif_analyse
from .modularity import analyse_graph, prepare_graph, read_graph
from .protocol import ProtocolError, load_protocol
from .store import write_json


def read_manifest(folder: Path) -> list[dict]:
    path = Path(folder) / "manifest.toml"
    if not path.exists():
        raise ProtocolError(f"{path}: manifest not found")
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("network", [])
    for k, e in enumerate(entries):
        for key in ("file", "experiment", "treatment"):
            if key not in e:
                raise ProtocolError(f"{path}: network #{k + 1} lacks '{key}'")
    return entries


def _qmax(runs_root: Path, protocol) -> dict | None:
    from .calibration import load_qmax
    return load_qmax(runs_root, protocol)


def compare(folder: Path, runs_root: Path, n_random: int = 100, seed: int = 0) -> dict:
    folder = Path(folder)
    rows, profiles = [], {}
    for e in read_manifest(folder):
        protocol = load_protocol(protocol_path(e["experiment"]), e["treatment"])
        g = read_graph(folder / e["file"], e.get("format", "auto"))
        sources = [v for v in g if g.in_degree(v) == 0]
        row = {**e}
        if protocol.kind == "retina2013":
            ana = protocol.analysis
            h = prepare_graph(g, include_inputs=True, drop_isolated=True, output=e.get("output"))
            rep = analyse_graph(h, method=ana.q_method, directed=ana.q_directed)
        else:
            mod = protocol.modularity
            h = prepare_graph(g, include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                              self_loops=mod.self_loops, output=e.get("output"), inputs=sources)
            q_max = _qmax(runs_root, protocol)
            rep = analyse_graph(h, method=mod.method, directed=mod.directed, qrand_samples=mod.qrand_samples,
                                swaps_per_edge=mod.qrand_swaps_per_edge,
                                q_max_value=q_max["q_max"] if q_max else None,
                                q_max_method=q_max["method"] if q_max else None, seed=seed)
        row.update({"q": rep.q, "q_rand": rep.q_rand, "q_max": rep.q_max, "qm": rep.qm,
                    "n_nodes": rep.n_nodes, "n_edges": rep.n_edges})
        g.remove_edges_from([(a, b) for a, b in g.edges if a == b])
        for size in (3, 4):
            stats = motif_analyse(g, size, n_random, seed)
            profiles.setdefault((e["experiment"], e["treatment"], size), []).append(stats)
            row[f"motifs_{size}"] = [s.to_dict() for s in stats]
        rows.append(row)
    aggregates = []
    for exp, treatment in sorted({(r["experiment"], r["treatment"]) for r in rows}):
        rs = [r for r in rows if (r["experiment"], r["treatment"]) == (exp, treatment)]
        aggregates.append({
            "experiment": exp, "treatment": treatment, "n": len(rs),
            "qm": mean_se(r["qm"] for r in rs), "q": mean_se(r["q"] for r in rs),
            "motif_z": {str(size): {str(i): v for i, v in aggregate_z(profiles[(exp, treatment, size)]).items()}
                        for size in (3, 4)},
        })
    result = {"folder": str(folder), "n_random": n_random, "networks": rows, "aggregates": aggregates}
    write_json(folder / "compare.json", result)
    return result
