"""Network drawings read from run folders, laid out as the papers draw them.

A run folder holds ``network.txt`` (mfinder edge list, nodes numbered from 1 = address + 1),
``protocol.json`` (the resolved parameters) and ``result.json`` (the output node of a circuit,
and, once analysed, the Q partition over node addresses).  Nothing here decodes genomes.

Layout: inputs on the bottom row, the output on top, every other node on the level of the
longest feed-forward path from an input (feedback edges ignored for the levels, drawn curved).
Within a level, nodes are grouped by module (contiguous, a gap between modules) and modules are
ordered by where their inputs (or their predecessors) are, so each module stands in a column of
its own; retina inputs keep the retina's left half on the left and the right half on the right.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from ..store import read_json

MODULE_COLOURS = ["#e74c3c", "#3498db", "#2ecc71", "#f1c40f", "#9b59b6", "#1abc9c", "#e67e22",
                  "#95a5a6"]
UNUSED = "white"


# --------------------------------------------------------------------------- reading
def read_run_network(folder) -> nx.DiGraph:
    """The best network of a run folder as a DiGraph over node addresses (from 0).

    Node attributes: ``kind`` (input / gate / neuron), ``label``, ``output`` (bool), ``layer``
    (layered networks only), ``side`` (retina inputs: ``"left"`` / ``"right"``) and ``x``
    (a fixed horizontal place for inputs).  All inputs are nodes, used or not.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> run = Path(tempfile.mkdtemp()) / "ka2005_logic" / "mvg" / "seed-1"
    >>> _ = run_evolution("ka2005_logic", "mvg", 1, run, {"selection.population": 20, "selection.elite": 6,
    ...                                                  "run.max_generations": 5})
    >>> g = read_run_network(run)
    >>> g.graph["kind"], [g.nodes[v]["label"] for v in range(4)], sum(g.nodes[v]["output"] for v in g)
    ('circuits', ['X', 'Y', 'Z', 'W'], 1)
    """
    folder = Path(folder)
    proto = read_json(folder / "protocol.json")
    result = read_json(folder / "result.json")
    edges = []
    for line in (folder / "network.txt").read_text().splitlines():
        if line.strip():
            a, b = map(int, line.split()[:2])
            edges.append((a - 1, b - 1))
    kind = proto["experiment"]["kind"]
    g = nx.DiGraph(kind=kind)
    if kind == "circuits":
        n_in = int(proto["circuit"]["n_inputs"])
        names = proto.get("inputs") or [f"x{i + 1}" for i in range(n_in)]
        for i in range(n_in):
            g.add_node(i, kind="input", label=names[i], x=float(i))
        # every output of a multi-output circuit (2005 Fig. 4), else the one output node
        outs = set(result.get("output_nodes") or ([result["output_node"]] if result.get("output_node") is not None
                                                  else []))
        g.add_edges_from(edges)
        for v in g:
            if v >= n_in:
                g.nodes[v].update(kind="gate", label=f"g{v - n_in + 1}")
        for out in outs:
            g.add_node(out)
            g.nodes[out].setdefault("kind", "gate")
            g.nodes[out].setdefault("label", f"g{out - n_in + 1}")
        for v in g:
            g.nodes[v]["output"] = v in outs
        return g
    if kind not in ("retina2005", "retina2013"):
        raise ValueError(f"{folder}: no drawing rule for networks of kind {kind!r}")
    layers = list(proto["network"]["layers"])
    if kind == "retina2005":
        layers = [8] + layers                       # the retina's 8 pixels, then 8-4-2-1
    starts = np.cumsum([0] + layers[:-1])
    n_nodes = sum(layers)
    layer_of = np.repeat(np.arange(len(layers)), layers)
    for v in range(n_nodes):
        lay = int(layer_of[v])
        g.add_node(v, kind="input" if lay == 0 else "neuron", layer=lay, output=v == n_nodes - 1,
                   label=f"p{v}" if lay == 0 else "")
    for v in range(layers[0]):
        if kind == "retina2005":   # pixel v: row v // 4, column v % 4; left half = columns 0-1
            col, row = v % 4, v // 4
            g.nodes[v].update(side="left" if col < 2 else "right", x=col * 2 + row + (col >= 2) * 1.0)
        else:                      # inputs 0-3 left half, 4-7 right half; x as in the protocol
            g.nodes[v].update(side="left" if v < 4 else "right", x=float(proto["network"]["x"][0][v]))
    g.add_edges_from(edges)
    unused = [v for v in g if g.nodes[v]["kind"] != "input" and g.degree(v) == 0 and not g.nodes[v]["output"]]
    g.remove_nodes_from(unused)
    return g


def read_partition(folder, experiment_dir=None) -> list[list[int]]:
    """The Q partition (lists of node addresses, from 0) of a run's best network.

    Files number nodes from 1 (as network.txt); this converts them back to addresses.

    Taken from ``<experiment>/tables/modularity.csv`` when that table exists and has a row for
    this run (columns ``folder`` or ``treatment`` + ``seed``, and ``partition`` as JSON), else
    from ``result.json``; [] when neither has one.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp()) / "exp" / "mvg" / "seed-1"; run.mkdir(parents=True)
    >>> _ = (run / "result.json").write_text('{"treatment": "mvg", "seed": 1, "partition": [[1, 2, 5], [3, 4, 6]]}')
    >>> read_partition(run)                       # files count from 1, addresses from 0
    [[0, 1, 4], [2, 3, 5]]
    >>> tables = run.parents[1] / "tables"; tables.mkdir()
    >>> _ = (tables / "modularity.csv").write_text('treatment,seed,partition\\nmvg,1,"[[1, 2, 3, 4, 5, 6]]"\\n')
    >>> read_partition(run)                       # the analysed table wins
    [[0, 1, 2, 3, 4, 5]]
    """
    folder = Path(folder)
    result = read_json(folder / "result.json")
    table = Path(experiment_dir or folder.parents[1]) / "tables" / "modularity.csv"
    if table.exists():
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                same = (Path(row["folder"]).resolve() == folder.resolve() if row.get("folder")
                        else (row.get("treatment") == result.get("treatment")
                              and str(row.get("seed")) == str(result.get("seed"))))
                if same and row.get("partition"):
                    return [[int(v) - 1 for v in c] for c in json.loads(row["partition"])]
    return [[int(v) - 1 for v in c] for c in result.get("partition") or []]


# --------------------------------------------------------------------------- layout
def _levels(g: nx.DiGraph) -> tuple[dict, set]:
    """Level of every node (inputs 0, the output on top) and the feedback edges ignored for it."""
    if all("layer" in g.nodes[v] for v in g):
        return {v: g.nodes[v]["layer"] for v in g}, set()
    back, state = set(), {}

    def visit(v):
        state[v] = 1
        for w in sorted(g.successors(v)):
            if state.get(w) == 1:
                back.add((v, w))
            elif w not in state:
                visit(w)
        state[v] = 2

    roots = [v for v in g if g.nodes[v].get("kind") == "input"] + sorted(g)
    for v in roots:
        if v not in state:
            visit(v)
    dag = nx.DiGraph([e for e in g.edges if e not in back])
    dag.add_nodes_from(g)
    level = {}
    for v in nx.topological_sort(dag):
        preds = [level[u] for u in dag.predecessors(v)]
        level[v] = 0 if g.nodes[v].get("kind") == "input" else 1 + max(preds, default=0)
    outs = [v for v in g if g.nodes[v].get("output")]
    if outs:
        others = max((level[v] for v in g if v not in outs), default=0)
        for v in outs:
            level[v] = max(level[v], others + 1)
    return level, back


def module_layout(g: nx.DiGraph, partition) -> tuple[dict, dict, set]:
    """Positions grouped by module; returns (pos, module of each node, feedback edges).

    Examples
    --------
    Two modules side by side, each an input pair feeding one gate, both feeding the output:

    >>> g = nx.DiGraph([(0, 4), (1, 4), (2, 5), (3, 5), (4, 6), (5, 6)])
    >>> for v in range(4): g.nodes[v].update(kind="input", x=float(v))
    >>> g.nodes[6]["output"] = True
    >>> pos, module, back = module_layout(g, [[0, 1, 4], [2, 3, 5], [6]])
    >>> pos[4][0] < pos[5][0] and pos[6][1] > pos[4][1] > pos[0][1]
    True
    """
    level, back = _levels(g)
    module = {v: k for k, c in enumerate(partition) for v in c if v in g}
    for v in g:
        module.setdefault(v, None)
    pos: dict = {}
    inputs = sorted((v for v in g if level[v] == 0), key=lambda v: (g.nodes[v].get("x", v), v))
    for i, v in enumerate(inputs):
        pos[v] = (float(g.nodes[v].get("x", i)), 0.0)
    key: dict = {}
    for k in set(module.values()):
        xs = [pos[v][0] for v in inputs if module[v] == k]
        if xs and k is not None:
            key[k] = float(np.mean(xs))
    for lev in sorted(set(level.values()) - {0}):
        nodes = [v for v in g if level[v] == lev]
        bary = {}
        for v in nodes:
            px = [pos[u][0] for u in g.predecessors(v) if u in pos]
            bary[v] = float(np.mean(px)) if px else 0.0
        for k in {module[v] for v in nodes} - set(key):
            if k is not None:
                key[k] = float(np.mean([bary[v] for v in nodes if module[v] == k]))
        nodes.sort(key=lambda v: (key.get(module[v], bary[v]), -1 if module[v] is None else module[v], bary[v], v))
        xs, x = [], 0.0
        for i, v in enumerate(nodes):
            if i and module[v] != module[nodes[i - 1]]:
                x += 0.6
            xs.append(x)
            x += 1.0
        shift = np.mean([bary[v] for v in nodes]) - np.mean(xs)
        for v, xv in zip(nodes, xs):
            pos[v] = (xv + shift, float(lev))
    return pos, module, back


# --------------------------------------------------------------------------- drawing
def draw_network(ax, g: nx.DiGraph, partition, title: str = "", labels: bool = True,
                 node_size: float = 170) -> None:
    """Draw ``g`` on ``ax``: inputs at the bottom, the output on top, nodes coloured and grouped
    by module (white: in no module, e.g. unused inputs), feedback edges curved, the output
    ringed; retina inputs under a 'left half | right half' label.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> g = nx.DiGraph([(0, 2), (1, 2), (2, 3), (3, 3)])
    >>> for v in (0, 1): g.nodes[v].update(kind="input", x=float(v), label=f"x{v}")
    >>> g.nodes[3]["output"] = True
    >>> fig, ax = plt.subplots(); draw_network(ax, g, [[0, 1, 2], [3]], title="demo")
    >>> ax.get_title(), ax.axison                 # titled, axes hidden
    ('demo', False)
    >>> plt.close(fig)
    """
    pos, module, back = module_layout(g, partition)
    colours = [MODULE_COLOURS[module[v] % len(MODULE_COLOURS)] if module[v] is not None else UNUSED
               for v in g]
    forward = [e for e in g.edges if e not in back and e[0] != e[1]]
    feedback = [e for e in g.edges if e in back or e[0] == e[1]]
    arrow = 7 if node_size >= 100 else 4
    nx.draw_networkx_edges(g, pos, edgelist=forward, ax=ax, arrows=True, arrowsize=arrow, width=0.7,
                           edge_color="#7f8c8d", node_size=node_size)
    if feedback:
        nx.draw_networkx_edges(g, pos, edgelist=feedback, ax=ax, arrows=True, arrowsize=arrow, width=0.9,
                               edge_color="#c0392b", style="dashed", node_size=node_size,
                               connectionstyle="arc3,rad=0.45")
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colours, node_size=node_size, edgecolors="k",
                           linewidths=[2.0 if g.nodes[v].get("output") else 0.5 for v in g])
    if labels:
        nx.draw_networkx_labels(g, pos, labels={v: g.nodes[v].get("label", "") for v in g}, ax=ax,
                                font_size=6)
    sides = {g.nodes[v].get("side") for v in g} - {None}
    if sides:
        for side in ("left", "right"):
            xs = [pos[v][0] for v in g if g.nodes[v].get("side") == side]
            if xs:
                ax.text(np.mean(xs), -0.45, f"{side} half", ha="center", va="top", fontsize=7)
        lx = max(pos[v][0] for v in g if g.nodes[v].get("side") == "left")
        rx = min(pos[v][0] for v in g if g.nodes[v].get("side") == "right")
        ax.plot([(lx + rx) / 2] * 2, [-0.4, 0.4], color="k", lw=0.6, ls=":")
    ax.set_title(title, fontsize=8)
    ax.margins(0.08)
    ax.axis("off")


def draw_subgraph(ax, adjacency) -> None:
    """A small drawing of a 3- or 4-node subgraph (``adjacency[i, j] = 1``: edge i -> j), as
    motif figures draw them: three nodes in a triangle with node 0 on top, four in a square.

    Examples
    --------
    The feed-forward loop (mfinder ID 38): three arrows and three nodes.

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> from replication.motifs import id_matrix
    >>> fig, ax = plt.subplots(); draw_subgraph(ax, id_matrix(38, 3))
    >>> len(ax.patches), int(np.asarray(id_matrix(38, 3)).sum())
    (6, 3)
    >>> plt.close(fig)
    """
    a = np.asarray(adjacency)
    n = len(a)
    xy = ({3: [(0.5, 0.95), (0.0, 0.05), (1.0, 0.05)],
           4: [(0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]})[n]
    for i in range(n):
        for j in range(n):
            if i != j and a[i, j]:
                rad = 0.25 if a[j, i] else 0.0
                ax.add_patch(FancyArrowPatch(xy[i], xy[j], arrowstyle="-|>", mutation_scale=6, lw=0.7,
                                             shrinkA=4, shrinkB=4, color="k",
                                             connectionstyle=f"arc3,rad={rad}"))
    for x, y in xy:
        ax.add_patch(Circle((x, y), 0.1, color="k"))
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
