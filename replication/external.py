"""Networks made by other programs (e.g. the original authors' code) through our analysis.

A folder holds network files (mfinder edge lists, plain edge lists or GraphML) and a
``manifest.toml``::

    [[network]]
    file = "run1_best.txt"          # relative to the folder
    experiment = "ka2005_logic"     # which protocol's analysis recipe applies
    treatment = "mvg"               # grouped with our runs of this treatment
    goal = "G1"                     # optional, recorded only
    format = "mfinder"              # optional: auto (default), mfinder, edgelist, graphml
    output = 14                     # optional: keep only nodes with a path to this node

    [[network]]
    run = "runs/ka2005_logic/mvg/seed-3"   # one of our run folders: file, experiment,
                                           # treatment and output come from it

Without ``output``, the output node is read from the run's ``result.json`` (field
``output_node``, numbered like ``network.txt``) when the manifest names a run folder or
the file lies in one.  Any other key is an error, as are missing files and outputs that
are not nodes of the network.  A filter that drops nodes says how many.

Each network gets its experiment's own measure through the experiment's recipe: for the
2005 experiments Q, Qrand and Qm (with the Qmax calibration in
``runs/<experiment>/calibration`` when there is one); for Clune et al. 2013 the raw Q
(spectral, directed, on the output-simplified network).  3- and 4-node motif Z-scores are
computed on the same network as Q.  Results, warnings and per-(experiment, treatment)
aggregates go to ``compare.json``.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from .analysis import mean_se, median_ci
from .catalog import protocol_path
from .motifs import aggregate_z, analyse as motif_analyse
from .modularity import analyse_graph, prepare_graph, read_graph
from .protocol import ProtocolError, load_protocol
from .store import write_json

MANIFEST_KEYS = {"file", "run", "experiment", "treatment", "goal", "format", "output"}
FORMATS = ("auto", "mfinder", "edgelist", "graphml")


def _node(value):
    """An output node as the manifest or result.json gives it: an int where it is one."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _result_of(folder: Path, where: str) -> dict | None:
    path = folder / "result.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"{where}: cannot read {path}: {exc}") from None


def read_manifest(folder: Path) -> list[dict]:
    """The manifest's networks, validated and completed from run folders.

    Each entry gets ``path`` (the network file) and, when known, ``output``; an entry names
    its position as ``network #k`` in every error.

    Raises :class:`~replication.protocol.ProtocolError` naming the manifest and the entry for
    an unknown key, a missing file, an unknown experiment or format.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "net.txt").write_text("1 5 1\\n2 5 1\\n3 6 1\\n4 6 1\\n5 7 1\\n6 7 1\\n8 9 1\\n")  # mfinder edge list
    >>> _ = (d / "manifest.toml").write_text('[[network]]\\nfile = "net.txt"\\n'
    ...     'experiment = "clune2013_retina"\\ntreatment = "pa"\\noutput = 7\\n')
    >>> [(e["file"], e["experiment"], e["output"], e["where"].endswith("network #1")) for e in read_manifest(d)]
    [('net.txt', 'clune2013_retina', 7, True)]
    >>> _ = (d / "manifest.toml").write_text('[[network]]\\nfile = "net.txt"\\ncolour = "red"\\n')
    >>> try:
    ...     read_manifest(d)
    ... except ProtocolError as err:
    ...     print(str(err).split(": ", 1)[1])
    network #1: unknown key 'colour' (allowed: experiment, file, format, goal, output, run, treatment)
    """
    folder = Path(folder)
    path = folder / "manifest.toml"
    if not path.is_file():
        raise ProtocolError(f"{path}: manifest not found")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path}: {exc}") from None
    unknown_top = set(data) - {"network"}
    if unknown_top:
        raise ProtocolError(f"{path}: unknown table/key {sorted(unknown_top)[0]!r} (expected [[network]])")
    entries = data.get("network", [])
    if not isinstance(entries, list) or not entries:
        raise ProtocolError(f"{path}: no [[network]] entries")
    out = []
    for k, e in enumerate(entries, 1):
        where = f"{path}: network #{k}"
        if not isinstance(e, dict):
            raise ProtocolError(f"{where}: expected a table")
        for key in e:
            if key not in MANIFEST_KEYS:
                raise ProtocolError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(MANIFEST_KEYS))})")
        for key in ("file", "run", "experiment", "treatment", "goal", "format"):
            if key in e and not isinstance(e[key], str):
                raise ProtocolError(f"{where}: '{key}' must be a string, got {e[key]!r}")
        if "output" in e and (isinstance(e["output"], bool) or not isinstance(e["output"], (int, str))):
            raise ProtocolError(f"{where}: 'output' must be a node id, got {e['output']!r}")
        entry = dict(e)
        result = None
        if "run" in e:
            run_dir = folder / e["run"]
            result = _result_of(run_dir, where)
            if result is None:
                raise ProtocolError(f"{where}: run folder {run_dir} has no result.json")
            for key in ("experiment", "treatment"):
                if key not in entry and key in result:
                    entry[key] = result[key]
            entry.setdefault("file", str(Path(e["run"]) / "network.txt"))
        if "file" not in entry:
            raise ProtocolError(f"{where}: needs 'file' or 'run'")
        entry["path"] = folder / entry["file"]
        if not entry["path"].is_file():
            raise ProtocolError(f"{where}: file {entry['path']} not found")
        if result is None:
            result = _result_of(entry["path"].parent, where)
        if "output" not in entry and result and result.get("output_node") is not None:
            entry["output"] = result["output_node"]
            entry["output_from"] = "result.json"
        for key in ("experiment", "treatment"):
            if key not in entry:
                raise ProtocolError(f"{where}: lacks '{key}'")
        try:
            protocol_path(entry["experiment"])
        except ProtocolError:
            raise ProtocolError(f"{where}: unknown experiment {entry['experiment']!r} "
                                f"(no original_protocol/{entry['experiment']}.toml)") from None
        fmt = entry.get("format", "auto")
        if fmt not in FORMATS:
            raise ProtocolError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
        if "output" in entry:
            entry["output"] = _node(entry["output"])
        entry["where"] = where
        out.append(entry)
    return out


def _qmax(runs_root: Path, protocol) -> dict | None:
    from .calibration import load_qmax
    return load_qmax(runs_root, protocol)


def _graphs(e: dict, protocol, warnings: list[str]):
    """(network file graph, graph the recipe analyses) with the node rules of the experiment."""
    g = read_graph(e["path"], e.get("format", "auto"))
    output = e.get("output")
    name = f"{e['where']} ({e['file']})"
    if output is not None and output not in g:
        raise ProtocolError(f"{name}: output {output!r} is not a node of the network")
    if protocol.kind == "retina2013":
        rules = dict(include_inputs=True, drop_isolated=True)
        if output is None:
            warnings.append(f"{name}: no output node given or recorded: Q and motifs on the whole "
                            "network, not the output-simplified network of the 2013 recipe")
    else:
        mod = protocol.modularity
        rules = dict(include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                     self_loops=mod.self_loops, inputs=[v for v in g if g.in_degree(v) == 0])
    h = prepare_graph(g, output=output, **rules)
    if output is not None:
        whole = prepare_graph(g, output=None, **rules)
        dropped = whole.number_of_nodes() - h.number_of_nodes()
        if dropped:
            warnings.append(f"{name}: keeping the nodes with a path to output {output} drops {dropped} "
                            f"of {whole.number_of_nodes()} nodes")
    return g, h


def compare(folder: Path, runs_root: Path, n_random: int = 100, seed: int = 0) -> dict:
    """Analyse the networks of ``folder/manifest.toml`` like our runs; writes ``compare.json``.

    Each network goes through its experiment's recipe (node rules, Q method; for the 2005
    experiments Qrand and, with a calibration under ``runs_root``, Qm), and 3- and 4-node motif
    Z-scores against ``n_random`` random networks (Milo et al. 2002).  Returns what it writes:
    ``networks`` (one row each), per-(experiment, treatment) ``aggregates`` and ``warnings``.

    Examples
    --------
    Two modules joined at the output (nodes 8, 9 have no path to the output and are dropped):

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "net.txt").write_text("1 5 1\\n2 5 1\\n3 6 1\\n4 6 1\\n5 7 1\\n6 7 1\\n8 9 1\\n")  # mfinder edge list
    >>> _ = (d / "manifest.toml").write_text('[[network]]\\nfile = "net.txt"\\n'
    ...     'experiment = "clune2013_retina"\\ntreatment = "pa"\\noutput = 7\\n')
    >>> out = compare(d, d / "runs", n_random=10, seed=1)
    >>> row = out["networks"][0]
    >>> row["measure"], row["n_nodes"], row["n_edges"], row["q"] > 0.1
    ('q', 7, 6, True)
    >>> (d / "compare.json").is_file(), any("drops 2" in w for w in out["warnings"])
    (True, True)
    """
    folder = Path(folder)
    rows, profiles, warnings = [], {}, []
    for e in read_manifest(folder):
        protocol = load_protocol(protocol_path(e["experiment"]), e["treatment"])
        _g, h = _graphs(e, protocol, warnings)
        row = {k: v for k, v in e.items() if k not in ("path", "where")}
        if protocol.kind == "retina2013":
            ana = protocol.analysis
            rep = analyse_graph(h, method=ana.q_method, directed=ana.q_directed)
            row["measure"] = "q"
        else:
            mod = protocol.modularity
            q_max = _qmax(runs_root, protocol)
            rep = analyse_graph(h, method=mod.method, directed=mod.directed, qrand_samples=mod.qrand_samples,
                                swaps_per_edge=mod.qrand_swaps_per_edge,
                                q_max_value=q_max["q_max"] if q_max else None,
                                q_max_method=q_max["method"] if q_max else None, seed=seed)
            row["measure"] = "qm"
        row.update({"q": rep.q, "q_rand": rep.q_rand, "q_max": rep.q_max, "qm": rep.qm,
                    "n_nodes": rep.n_nodes, "n_edges": rep.n_edges})
        m = h.copy()                                   # motifs on the network Q was computed on
        m.remove_edges_from([(a, b) for a, b in m.edges if a == b])
        for size in (3, 4):
            stats = motif_analyse(m, size, n_random, seed)
            profiles.setdefault((e["experiment"], e["treatment"], size), []).append(stats)
            row[f"motifs_{size}"] = [s.to_dict() for s in stats]
        rows.append(row)
    aggregates = []
    for exp, treatment in sorted({(r["experiment"], r["treatment"]) for r in rows}):
        rs = [r for r in rows if (r["experiment"], r["treatment"]) == (exp, treatment)]
        aggregates.append({
            "experiment": exp, "treatment": treatment, "n": len(rs), "measure": rs[0]["measure"],
            "qm": mean_se(r["qm"] for r in rs), "q": mean_se(r["q"] for r in rs),
            "q_median_ci": median_ci([r["q"] for r in rs], seed=seed),
            "motif_z": {str(size): {str(i): v for i, v in aggregate_z(profiles[(exp, treatment, size)]).items()}
                        for size in (3, 4)},
        })
    result = {"folder": str(folder), "n_random": n_random, "networks": rows, "aggregates": aggregates,
              "warnings": warnings}
    write_json(folder / "compare.json", result)
    return result
