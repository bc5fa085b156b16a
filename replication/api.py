"""The Python API: runs as a pandas DataFrame, networks as networkx graphs, one evolution.

Everything here reads run folders (``<runs>/<experiment>/<treatment>/seed-N/``) or calls the
package's own functions; nothing writes into a finished run.  The same names are importable
from the package itself (``replication.load_runs`` ...).

Examples
--------
One short run (50 generations instead of the protocol's 10,000; such a run is a smoke test,
not a replication), then its row, its network and the Q recipe of its experiment:

>>> import tempfile, replication
>>> out = tempfile.mkdtemp()
>>> result = replication.run_evolution("ka2005_logic", "mvg", seed=1, out=f"{out}/ka2005_logic/mvg/seed-1",
...                                    overrides={"run.max_generations": 50})
>>> result["generations_run"]
50
>>> runs = replication.load_runs(out)
>>> len(runs), runs.loc[0, "treatment"], int(runs.loc[0, "set.run.max_generations"])
(1, 'mvg', 50)
>>> g = replication.load_network(f"{out}/ka2005_logic/mvg/seed-1")
>>> sorted({kind for _, kind in g.nodes(data="kind")}) == ["gate", "input", "output"]
True
>>> rep = replication.analyse_modularity(g, "ka2005_logic", qrand_samples=0)
>>> 0.0 <= rep.q < 1.0
True
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx

from .catalog import protocol_path
from .protocol import Protocol, load_protocol

#: pixels of the 2005 retina (4 x 2): the inputs of a ka2005_retina network
RETINA2005_PIXELS = 8
#: runs without network.graphml (made before runs wrote it) number result.json's output_node from 0
RESULT_OUTPUT_NODE_BASE = 1


# --------------------------------------------------------------------------- runs
def _run_folders(folder: Path) -> list[Path]:
    """Finished run folders (holding result.json) at, or 1 to 3 levels under, ``folder``."""
    if (folder / "result.json").is_file():
        return [folder]
    found = set()
    for pattern in ("seed-*/result.json", "*/seed-*/result.json", "*/*/seed-*/result.json"):
        found.update(p.parent for p in folder.glob(pattern))
    return sorted(found)


def _flatten(obj: Mapping, prefix: str = "") -> dict:
    flat = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _parse_override(text: str) -> tuple[str, object]:
    """run.json records an override as ``key=repr(value)``."""
    key, _, raw = text.partition("=")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key, value


def load_runs(folder: str | Path, *, genome: bool = False):
    """The finished runs under a folder as a pandas DataFrame, one row per run.

    ``folder`` is a runs folder (``runs/``), an experiment folder (``runs/ka2005_logic``), a
    treatment folder or one run folder.  A run is finished when its ``result.json`` exists;
    unfinished runs are left out.

    Columns: every field of ``result.json``, nested ones flattened with dotted names
    (``best_accuracy.G1``, ``solved_generation_by_goal.G2``, and after ``replication analyse``
    ``q``, ``q_rand``, ``qm`` ...); the run's ``--set`` overrides (recorded in ``run.json``) as
    ``set.<section>.<key>`` columns (missing where a run had no such override), ``overrides``
    (all of them as text) and ``folder``.  Rows are sorted by experiment, treatment and seed.

    Parameters
    ----------
    folder : str or Path
    genome : bool
        Keep the ``genome`` column (the best genome as a list of integers); default False.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.

    Examples
    --------
    Two short runs (population 20, 5 generations), then their table:

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, root / "ka2005_logic" / "mvg" / f"seed-{seed}", small)
    >>> df = load_runs(root)
    >>> df[["treatment", "seed", "generations_run"]].values.tolist()
    [['mvg', 1, 5], ['mvg', 2, 5]]
    >>> df["set.selection.population"].tolist(), "genome" in df.columns
    ([20, 20], False)
    """
    import pandas as pd
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such runs folder")
    rows = []
    for run in _run_folders(folder):
        result = json.loads((run / "result.json").read_text())
        if not genome:
            result.pop("genome", None)
        row = _flatten(result)
        meta_path = run / "run.json"
        overrides = json.loads(meta_path.read_text()).get("overrides", []) if meta_path.is_file() else []
        for key, value in map(_parse_override, overrides):
            row[f"set.{key}"] = value
        row["overrides"] = "; ".join(overrides)
        row["folder"] = str(run)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if rows:
        keys = [c for c in ("experiment", "treatment", "seed") if c in frame]
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return frame


# --------------------------------------------------------------------------- networks
def load_network(run_folder: str | Path) -> nx.DiGraph:
    """A run's best final network as a networkx DiGraph.

    Nodes are numbered as in ``network.txt`` (from 1, inputs first) and carry

    - ``kind``: ``"input"``, ``"gate"`` (a NAND gate), ``"neuron"`` or ``"output"`` (the node that
      gives the network's answer: the circuit's output gate, the retina's last neuron);
    - ``output``: True for the output node only;
    - ``layer``: 0 for inputs; for the layered retina networks the layer (1, 2, ... up to the
      output); 1 for every gate of a circuit (circuits are not layered);
    - ``label``: the input's name (``X``, ``Y`` ...), ``g<k>`` for gate k; 2005 retina: pixels
      ``p0`` ... ``p7`` and ``L<layer>.<k>`` for the k-th neuron of a layer; 2013 retina: ``i<k>``
      and ``h<k>`` (k-th node of its layer).

    The graph's attributes (``G.graph``) name the experiment, treatment, seed and kind.

    ``network.graphml`` is read when the run has one (its output node gets kind ``"output"``, a
    ``"hidden"`` node kind ``"neuron"``); otherwise (runs made before runs wrote it) the graph is
    rebuilt from ``network.txt`` (the edges), ``protocol.json`` (the architecture) and
    ``result.json`` (the circuit's output node, numbered from 0 in those runs).

    Raises
    ------
    FileNotFoundError
        If the folder holds no finished run's network.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, root / "ka2005_logic" / "mvg" / f"seed-{seed}", small)
    >>> g = load_network(root / "ka2005_logic" / "mvg" / "seed-1")
    >>> g.graph["experiment"], g.graph["seed"], sorted({k for _, k in g.nodes(data="kind")})
    ('ka2005_logic', 1, ['gate', 'input', 'output'])
    >>> sum(bool(o) for _, o in g.nodes(data="output")), sorted(g.nodes[n]["label"] for n in (1, 2, 3, 4))
    (1, ['W', 'X', 'Y', 'Z'])
    """
    folder = Path(run_folder)
    graphml = folder / "network.graphml"
    if graphml.is_file():
        try:
            g = nx.read_graphml(graphml, node_type=int)
        except (ValueError, TypeError):
            g = nx.read_graphml(graphml)
        g = g if g.is_directed() else g.to_directed()
        for _, data in g.nodes(data=True):
            if data.get("output") is True or data.get("kind") == "output":
                data["kind"] = "output"
            elif data.get("kind") == "hidden":
                data["kind"] = "neuron"
            data["output"] = data.get("kind") == "output"
        return g
    missing = [n for n in ("network.txt", "protocol.json", "result.json") if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: not a finished run folder (no network.graphml, and "
                                f"{', '.join(missing)} missing)")
    protocol = json.loads((folder / "protocol.json").read_text())
    result = json.loads((folder / "result.json").read_text())
    edges = []
    for lineno, line in enumerate((folder / "network.txt").read_text().splitlines(), 1):
        parts = line.split()
        if parts:
            if len(parts) < 2:
                raise ValueError(f"{folder / 'network.txt'}:{lineno}: expected 'source target 1'")
            edges.append((int(parts[0]), int(parts[1])))
    kind = protocol["experiment"]["kind"]
    build = {"circuits": _circuit_nodes, "retina2005": _retina2005_nodes,
             "retina2013": _retina2013_nodes}.get(kind)
    if build is None:
        raise ValueError(f"{folder}: no network layout known for experiment kind {kind!r}")
    g = nx.DiGraph(experiment=protocol["experiment"]["name"], treatment=result.get("treatment", ""),
                   seed=int(result.get("seed", -1)), kind=kind)
    g.add_edges_from(edges)
    build(g, protocol, result)
    return g


def _circuit_nodes(g: nx.DiGraph, protocol: dict, result: dict) -> None:
    n_inputs = int(protocol["circuit"]["n_inputs"])
    names = list(protocol.get("inputs", [])) or [f"x{k + 1}" for k in range(n_inputs)]
    output = int(result["output_node"]) - RESULT_OUTPUT_NODE_BASE + 1
    if output <= n_inputs:
        raise ValueError(f"result.json: output_node {result['output_node']} is not a gate")
    g.add_node(output)
    for v in g:
        g.nodes[v].update(kind="input" if v <= n_inputs else ("output" if v == output else "gate"),
                          layer=int(v > n_inputs), output=v == output,
                          label=names[v - 1] if v <= n_inputs else f"g{v - n_inputs}")


def _layered_nodes(g: nx.DiGraph, sizes: list[int], input_label: str, neuron_label) -> None:
    """``sizes``: nodes per layer, inputs first; nodes are numbered from 1 in layer order."""
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    total = sum(sizes)
    g.add_node(total)                                  # the output, even without edges
    for v in g:
        if not 1 <= v <= total:
            raise ValueError(f"network.txt: node {v} outside 1..{total}")
        layer = max(k for k, s in enumerate(starts) if v - 1 >= s)
        index = v - 1 - starts[layer]
        g.nodes[v].update(kind="input" if layer == 0 else ("output" if v == total else "neuron"),
                          layer=layer, output=v == total,
                          label=f"{input_label}{index}" if layer == 0 else neuron_label(layer, index))


def _retina2005_nodes(g: nx.DiGraph, protocol: dict, result: dict) -> None:
    _layered_nodes(g, [RETINA2005_PIXELS] + [int(n) for n in protocol["network"]["layers"]], "p",
                   lambda layer, k: f"L{layer}.{k + 1}")


def _retina2013_nodes(g: nx.DiGraph, protocol: dict, result: dict) -> None:
    _layered_nodes(g, [int(n) for n in protocol["network"]["layers"]], "i", lambda layer, k: f"h{k}")


# --------------------------------------------------------------------------- analyses of any graph
def _protocol(protocol, treatment) -> Protocol:
    if isinstance(protocol, Protocol):
        return protocol
    return load_protocol(protocol_path(protocol), treatment)


def analyse_modularity(graph: nx.DiGraph, protocol=None, *, treatment: str | None = None,
                       method: str | None = None, directed: bool | None = None,
                       qrand_samples: int | None = None, q_max: float | None = None, seed: int = 0):
    """Q, its best partition and optionally Qrand and Qm of any directed graph.

    With ``protocol`` (an experiment name, a protocol file or a :class:`Protocol`), the
    experiment's Q recipe applies: its node rules (inputs kept or not, isolated nodes and
    self-loops dropped; input nodes are those with ``kind == "input"``), its partition method
    and directed or undirected Q, and for Qrand its number of degree-preserving randomisations
    and swaps per edge.  Without one, give ``method`` and ``directed`` (the graph is taken as
    it is).  Keyword arguments override the recipe.

    Q is Newman & Girvan's modularity (undirected) or Leicht & Newman's (directed);
    Qm = (Q - Qrand) / (Qmax - Qrand) needs ``q_max`` (see ``replication analyse``) and Qrand.

    Parameters
    ----------
    graph : networkx.DiGraph
    protocol : str, Path or Protocol, optional
    treatment : str, optional
        Only where a treatment changes the recipe.
    method : {"exact", "greedy", "girvan-newman", "spectral", "louvain"}, optional
    directed : bool, optional
    qrand_samples : int, optional
        Randomised networks for Qrand; 0 computes Q only.  Default: the recipe's number (0
        without a protocol).
    q_max : float, optional
    seed : int

    Returns
    -------
    replication.modularity.QReport
        ``q``, ``partition``, ``q_rand``, ``q_rand_sd``, ``qm`` ... (``.to_dict()`` for a dict).

    References
    ----------
    Kashtan N, Alon U (2005) PNAS 102:13773 (Q, Qrand, Qm); Leicht EA, Newman MEJ (2008)
    Phys Rev Lett 100:118703 (directed Q).

    Examples
    --------
    Two triangles joined by one edge:

    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (3, 4)])
    >>> rep = analyse_modularity(g, method="exact", directed=False)
    >>> round(rep.q, 4), rep.partition
    (0.3571, [[1, 2, 3], [4, 5, 6]])
    """
    from .modularity import analyse_graph, prepare_graph
    swaps = 10
    if protocol is not None:
        proto = _protocol(protocol, treatment)
        if proto.kind == "retina2013":        # the 2013 authors' recipe: [analysis]
            ana = proto.analysis
            recipe_method, recipe_directed, recipe_samples = ana.q_method, ana.q_directed, 0
            graph = prepare_graph(graph, include_inputs=True, drop_isolated=True)
        else:
            mod = proto.modularity
            recipe_method, recipe_directed = mod.method, mod.directed
            recipe_samples, swaps = mod.qrand_samples, mod.qrand_swaps_per_edge
            graph = prepare_graph(graph, include_inputs=mod.include_inputs,
                                  drop_isolated=mod.drop_isolated, self_loops=mod.self_loops)
        method = recipe_method if method is None else method
        directed = recipe_directed if directed is None else directed
        qrand_samples = recipe_samples if qrand_samples is None else qrand_samples
    elif method is None or directed is None:
        raise ValueError("analyse_modularity: give a protocol, or both method and directed")
    return analyse_graph(graph, method=method, directed=directed, qrand_samples=qrand_samples or 0,
                         swaps_per_edge=swaps, q_max_value=q_max,
                         q_max_method=None if q_max is None else "given", seed=seed)


def analyse_motifs(graph: nx.DiGraph, size: int = 3, n_random: int = 100, seed: int = 0,
                   preserve_layers: bool = False):
    """mfinder-numbered subgraph census of a graph with Z-scores against random networks.

    Each subgraph of ``size`` (3 or 4) connected nodes is counted by its mfinder ID, in the graph
    and in ``n_random`` random networks with the same in- and out-degrees (self-loops are
    dropped); Z = (N_real - mean N_rand) / SD.  ``preserve_layers`` keeps every edge between the
    same two layers (node attribute ``layer``), as Kashtan & Alon did for their layered networks.

    Returns
    -------
    list of replication.motifs.MotifStat
        ``id``, ``n_real``, ``mean_rand``, ``sd_rand``, ``z`` (None when SD = 0), ``p``.

    References
    ----------
    Milo R et al. (2002) Science 298:824 (network motifs); Kashtan & Alon (2005).

    Examples
    --------
    A feed-forward loop is mfinder's subgraph 38:

    >>> import networkx as nx
    >>> stats = analyse_motifs(nx.DiGraph([(1, 2), (2, 3), (1, 3)]), size=3, n_random=0)
    >>> [(s.id, s.n_real) for s in stats]
    [(38, 1)]
    """
    from .motifs import analyse
    g = nx.DiGraph(graph)
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    layers = None
    if preserve_layers:
        missing = [v for v, layer in g.nodes(data="layer") if layer is None]
        if missing:
            raise ValueError(f"preserve_layers: nodes without a 'layer' attribute: {missing[:5]}")
        layers = dict(g.nodes(data="layer"))
    return analyse(g, size, n_random, seed, layers)


# --------------------------------------------------------------------------- one evolution
def _override_pairs(overrides) -> list[tuple[str, object]]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    if isinstance(overrides, Iterable) and not isinstance(overrides, str):
        from .protocol import parse_override
        return [parse_override(o) if isinstance(o, str) else tuple(o) for o in overrides]
    raise TypeError(f"overrides: a mapping of 'section.key' to values, not {type(overrides).__name__}")


def run_evolution(protocol: str | Path, treatment: str, seed: int, out: str | Path,
                  overrides: Mapping | Iterable | None = None, progress=None) -> dict:
    """Run (or resume, or return the result of) one evolution run, as `replication run` does.

    Parameters
    ----------
    protocol : str or Path
        An experiment name (``"ka2005_logic"``, see :func:`replication.catalog.experiments`) or a
        protocol file.
    treatment : str
    seed : int
    out : str or Path
        The run folder; the convention is ``<runs>/<experiment>/<treatment>/seed-<seed>``, which
        :func:`load_runs` and ``replication summary`` read.
    overrides : mapping, optional
        ``{"run.max_generations": 500}``: parameters overridden as with ``--set`` (also given as
        ``"key=value"`` strings or pairs); recorded in the run folder.
    progress : callable, optional
        ``progress(generation, max_generations)`` after each generation.

    Returns
    -------
    dict
        The run's ``result.json``.

    Examples
    --------
    >>> import json, tempfile
    >>> out = Path(tempfile.mkdtemp()) / "ka2005_logic" / "mvg" / "seed-3"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> result = run_evolution("ka2005_logic", "mvg", 3, out, small)
    >>> result["seed"], result["generations_run"], result == json.loads((out / "result.json").read_text())
    (3, 5, True)
    >>> run_evolution("ka2005_logic", "mvg", 3, out, small) == result      # finished: read back
    True
    """
    from .evolve import evolve
    pairs = _override_pairs(overrides)
    proto = load_protocol(protocol_path(protocol), treatment, pairs)
    return evolve(proto, int(seed), out, overrides=pairs, progress=progress)
