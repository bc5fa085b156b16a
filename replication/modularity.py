"""Modularity: Q of a partition, partition search, Qrand, and Qm.

Definitions
-----------
Undirected (Newman & Girvan 2004, Kashtan & Alon 2005 Eq. 1), with ``L`` edges::

    Q = sum_s [ l_s / L - (d_s / 2L)^2 ]

Directed (Leicht & Newman 2008, used by Clune et al. 2013), with ``m`` arcs::

    Q = (1/m) sum_{i,j in the same module} [ A_ij - k_i^out k_j^in / m ]

Normalised (Kashtan & Alon 2005 Eq. 2)::

    Qm = (Q_real - Q_rand) / (Q_max - Q_rand)

Partition search methods (each result says which one made it):

- ``greedy``: Newman's (2004) fast agglomeration, as made efficient by Clauset, Newman &
  Moore; the algorithm Kashtan & Alon cite (their ref. 31).  Our numba kernel; tests
  compare it with networkx's ``greedy_modularity_communities``.
- ``girvan-newman``: edge-betweenness divisive algorithm, best level of the dendrogram.
- ``spectral``: leading-eigenvector bisection of ``B + B^T``, recursive, exactly as the
  2013 authors' code (first split always applied, later splits only when the gain
  exceeds 1e-5, no refinement; see ``spectral_partition``).
- ``louvain``: networkx's Louvain (seeded).
- ``exact``: the true maximum, as an integer program (scipy ``milp``); fine up to a few
  dozen nodes, which covers every network of these experiments.  It refuses graphs above
  ``METHOD_MAX_NODES['exact']`` nodes (the program has n(n-1)/2 variables and
  3 C(n, 3) constraints) unless ``max_nodes`` raises the limit, and raises
  ``ExactNotOptimal`` (with the best Q found, the proven upper bound and the gap) when the
  solver stops at its time limit: a partition is never called exact unless it was proven so.

Size limits (``METHOD_MAX_NODES``; each can be raised with ``max_nodes=`` or ``--max-nodes``):
a method refuses, with a reason, a graph it could not finish in reasonable time or memory.
Above ``DENSE_MAX_NODES`` nodes ``greedy`` runs networkx's heap-based Clauset-Newman-Moore
(``greedy_modularity_communities``) and ``spectral`` the same recursive bisection with sparse
matrices and ``scipy.sparse.linalg.eigsh``; both finish a 5,000-node sparse graph in seconds.

Graphs come in as networkx DiGraphs (from our genomes or from files); ``prepare_graph``
applies an experiment's node rules (inputs in or out, isolated nodes dropped, ...).
"""
from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
from numba import njit

from .rng import sample_seed, seed_numba_raw

METHODS = ("exact", "greedy", "girvan-newman", "spectral", "louvain")

# Largest graph (nodes) each method accepts unless the caller raises the limit: exact needs
# memory ~ n^3 (200 nodes: 2.8 GB) and time exponential in the worst case; Girvan-Newman
# recomputes all edge betweennesses after each removal (O(m^2 n)).
METHOD_MAX_NODES = {"exact": 60, "girvan-newman": 300, "greedy": 200_000, "spectral": 200_000,
                    "louvain": 1_000_000}
DENSE_MAX_NODES = 1500        # above this, greedy and spectral use sparse matrices
EXACT_TIME_LIMIT = 120.0      # seconds the integer program may run before giving up
RANDOMISE_MAX_NODES = 20_000  # degree-preserving swaps keep an n x n boolean matrix
HILLCLIMB_MAX_NODES = 500     # Qmax by hill climbing reruns the dense greedy at every step


class ModularityError(ValueError):
    """A partition method cannot give an honest answer for this graph (too large, or the
    solver failed); the message says why and what to do.

    Examples
    --------
    >>> try:
    ...     check_size(10, "no-such-method")
    ... except ModularityError as err:
    ...     print(str(err).startswith("unknown method 'no-such-method'"), isinstance(err, ValueError))
    True True
    """


class ExactNotOptimal(ModularityError):
    """The exact solver stopped (time limit) before proving its best partition optimal.

    Attributes ``q`` (Q of the best partition found), ``q_bound`` (proven upper bound on Q),
    ``gap`` (``q_bound - q``) and ``labels`` (the best partition found; *not* exact).

    Examples
    --------
    >>> err = ExactNotOptimal("stopped", 0.40, 0.45, 0.05, [0, 0, 1])
    >>> isinstance(err, ModularityError), round(err.gap, 12) == round(err.q_bound - err.q, 12)
    (True, True)
    """

    def __init__(self, message, q, q_bound, gap, labels):
        super().__init__(message)
        self.q, self.q_bound, self.gap, self.labels = q, q_bound, gap, labels


def check_size(n_nodes: int, method: str, max_nodes: int | None = None) -> None:
    """Raise ``ModularityError`` if ``method`` should not run on ``n_nodes`` nodes.

    Examples
    --------
    >>> check_size(40, "exact")
    >>> check_size(200, "exact")
    Traceback (most recent call last):
    ...
    replication.modularity.ModularityError: method 'exact' is limited to 60 nodes and this graph has 200: the integer program has 19,900 variables and 3,940,200 constraints; raise the limit (--max-nodes / max_nodes=) or use greedy, spectral or louvain
    """
    if method not in METHODS:
        raise ModularityError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    limit = METHOD_MAX_NODES[method] if max_nodes is None else max_nodes
    if n_nodes <= limit:
        return
    if method == "exact":
        why = (f"the integer program has {n_nodes * (n_nodes - 1) // 2:,} variables and "
               f"{n_nodes * (n_nodes - 1) * (n_nodes - 2) // 2:,} constraints")
    elif method == "girvan-newman":
        why = "it recomputes every edge betweenness after each edge removal (O(m^2 n))"
    else:
        why = "time and memory grow beyond what this package was tested with"
    others = [m for m in ("greedy", "spectral", "louvain") if m != method]
    raise ModularityError(f"method {method!r} is limited to {limit:,} nodes and this graph has "
                          f"{n_nodes:,}: {why}; raise the limit (--max-nodes / max_nodes=) or use "
                          f"{', '.join(others[:-1])} or {others[-1]}")


# --------------------------------------------------------------------------- input
def read_graph(path: str | Path, fmt: str = "auto") -> nx.DiGraph:
    """Read a directed network: mfinder edge list (``src tgt weight``), plain edge list
    (``src tgt``) or GraphML.  Node labels are kept as in the file (ints where they are ints).

    Errors (missing or unreadable file, text that is not UTF-8, malformed lines, malformed
    GraphML) raise ``ValueError`` (``OSError`` for the file system) naming the file and,
    for edge lists, the line.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "net.txt")
    >>> _ = open(f, "w").write("1 2 1\\n2 3 1\\n")
    >>> sorted(read_graph(f, "mfinder").edges)
    [(1, 2), (2, 3)]
    """
    path = Path(path)
    if fmt == "auto":
        fmt = "graphml" if path.suffix.lower() in (".graphml", ".xml") else "edgelist"
    if fmt == "graphml":
        return _read_graphml(path)
    if fmt not in ("mfinder", "edgelist"):
        raise ValueError(f"unknown format {fmt!r} (auto, mfinder, edgelist, graphml)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}); expected an edge list") from None
    g = nx.DiGraph()
    for lineno, line in enumerate(text.splitlines(), 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) < 2 or (fmt == "mfinder" and len(parts) != 3):
            raise ValueError(f"{path}:{lineno}: expected 'source target"
                             f"{' weight' if fmt == 'mfinder' else ''}', got {line[:80]!r}")
        if fmt == "mfinder" and not all(_is_integer(p) for p in parts):
            raise ValueError(f"{path}:{lineno}: mfinder lines are three integers "
                             f"'source target weight', got {line[:80]!r}")
        a, b = (int(p) if _is_integer(p) else p for p in parts[:2])
        g.add_edge(a, b)
    return g


def _is_integer(text: str) -> bool:
    return text.lstrip("-+").isdigit() and text.isascii()


def _read_graphml(path: Path) -> nx.DiGraph:
    from xml.etree.ElementTree import ParseError
    try:
        g = nx.read_graphml(path)
    except (OSError, MemoryError):
        raise
    except ParseError as exc:
        raise ValueError(f"{path}: not valid GraphML (XML error: {exc})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not valid GraphML (not UTF-8 text)") from None
    except Exception as exc:        # networkx raises NetworkXError, KeyError, ValueError, ...
        raise ValueError(f"{path}: not valid GraphML ({type(exc).__name__}: {exc})") from None
    return g if g.is_directed() else g.to_directed()


def prepare_graph(g: nx.DiGraph, *, include_inputs: bool = True, drop_isolated: bool = True,
                  self_loops: bool = False, output=None, inputs=None) -> nx.DiGraph:
    """Apply the node rules of a Q recipe to a copy of ``g``.

    ``include_inputs=False`` drops the inputs (``inputs``, default: nodes whose attribute
    ``kind`` is ``'input'``); ``drop_isolated`` drops nodes without edges; ``self_loops=False``
    drops self-loops; ``output``: if given, keep only nodes with a directed path to it (the
    parts of a circuit that compute the output, Kashtan & Alon 2005).

    Examples
    --------
    >>> import networkx as nx
    >>> h = nx.DiGraph([("x", "a"), ("a", "out"), ("b", "c")]); h.add_node("iso")
    >>> h.nodes["x"]["kind"] = "input"
    >>> sorted(prepare_graph(h)), sorted(prepare_graph(h, include_inputs=False))
    (['a', 'b', 'c', 'out', 'x'], ['a', 'b', 'c', 'out'])
    >>> sorted(prepare_graph(h, output="out"))
    ['a', 'out', 'x']
    """
    h = nx.DiGraph(g)
    if output is not None:
        keep = nx.ancestors(h, output) | {output}
        h = h.subgraph(keep).copy()
    if not include_inputs:
        if inputs is None:
            inputs = [n for n, d in h.nodes(data=True) if d.get("kind") == "input"]
        h.remove_nodes_from(list(inputs))
    if not self_loops:
        h.remove_edges_from(list(nx.selfloop_edges(h)))
    if drop_isolated:
        h.remove_nodes_from([n for n in list(h) if h.degree(n) == 0])
    return h


def adjacency(g: nx.DiGraph, directed: bool) -> tuple[list, np.ndarray]:
    """(node list, adjacency matrix). Undirected: symmetric 0/1 (a pair linked either way
    is one edge; a self-loop counts 2 on the diagonal, as in networkx).  Nodes are sorted by
    label, so results do not depend on the order a file lists its edges in.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> nodes, a = adjacency(g, directed=False)
    >>> nodes, int(a.sum()), bool((a == a.T).all())      # 7 edges, each counted twice
    ([0, 1, 2, 3, 4, 5], 14, True)
    >>> int(adjacency(g, directed=True)[1].sum())
    7
    """
    nodes = sorted(g.nodes, key=_sort_key)
    a = nx.to_numpy_array(g, nodelist=nodes, weight=None)
    a = (a > 0).astype(np.float64)
    if not directed:
        diag = np.diag(a).copy()
        a = np.maximum(a, a.T)
        np.fill_diagonal(a, 2 * diag)
    return nodes, a


# --------------------------------------------------------------------------- Q of a partition
@njit(cache=True)
def _q_of_labels(a, labels):
    """Generic Q for an adjacency matrix (directed: a[i, j] = arc i->j; undirected: symmetric)."""
    total = a.sum()
    if total == 0:
        return 0.0
    kout = a.sum(axis=1)
    kin = a.sum(axis=0)
    q = 0.0
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if labels[i] == labels[j]:
                q += a[i, j] - kout[i] * kin[j] / total
    return q / total


def q_of_partition(a: np.ndarray, labels) -> float:
    """Q of a partition given as one label per node (matrix from ``adjacency``).

    Newman's modularity, Q = (1/m) sum_ij (A_ij - k_i^out k_j^in / m) delta(c_i, c_j), the
    fraction of edges inside communities minus its expectation under the configuration model
    (Newman & Girvan, PRE 69:026113 (2004); directed: Leicht & Newman, PRL 100:118703 (2008)).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> nodes, a = adjacency(g, directed=False)
    >>> round(q_of_partition(a, [0, 0, 0, 1, 1, 1]), 6)                  # 5/14
    0.357143
    >>> round(nx.community.modularity(g.to_undirected(), [{0, 1, 2}, {3, 4, 5}]), 6)
    0.357143
    >>> abs(q_of_partition(a, [0] * 6)) < 1e-12                           # one community: 0
    True
    """
    return float(_q_of_labels(np.ascontiguousarray(a, np.float64), np.asarray(labels, np.int64)))


def labels_from_communities(nodes: list, communities) -> np.ndarray:
    """One integer label per node (in ``nodes`` order) from a list of communities.

    Examples
    --------
    >>> labels_from_communities(["a", "b", "c"], [["c"], ["a", "b"]]).tolist()
    [1, 1, 0]
    """
    where = {n: i for i, n in enumerate(nodes)}
    labels = np.full(len(nodes), -1, np.int64)
    for c, members in enumerate(communities):
        for n in members:
            labels[where[n]] = c
    if (labels < 0).any():
        raise ValueError("the partition does not cover every node")
    return labels


def communities_from_labels(nodes: list, labels) -> list[list]:
    """The communities (lists of nodes) of a labelling; the inverse of :func:`labels_from_communities`.

    Examples
    --------
    >>> communities_from_labels(["a", "b", "c"], [1, 1, 0])         # in label order
    [['c'], ['a', 'b']]
    """
    groups: dict[int, list] = {}
    for n, l in zip(nodes, labels):
        groups.setdefault(int(l), []).append(n)
    return [sorted(v, key=_sort_key) for _, v in sorted(groups.items())]


def separates_groups(partition, groups) -> bool:
    """Does ``partition`` (modules as lists of nodes) put each group of nodes (a sub-problem's
    inputs) in one module, a different module for each group?  A node in no module fails.

    Examples
    --------
    >>> separates_groups([[0, 1, 7], [2, 3, 8], [4, 5, 9]], [[0, 1], [2, 3], [4, 5]])
    True
    >>> separates_groups([[0, 1, 2, 3], [4, 5]], [[0, 1], [2, 3], [4, 5]])     # two groups together
    False
    >>> separates_groups([[1, 7], [2, 3], [4, 5]], [[0, 1], [2, 3], [4, 5]])   # node 0 in no module
    False
    """
    module_of = {v: k for k, members in enumerate(partition) for v in members}
    used = []
    for grp in groups:
        modules = {module_of.get(v) for v in grp}
        if len(modules) != 1 or None in modules:
            return False
        used.append(modules.pop())
    return len(set(used)) == len(used)


def _sort_key(x):
    return (0, x, "") if isinstance(x, (int, np.integer)) else (1, 0, str(x))


# --------------------------------------------------------------------------- greedy (numba)
@njit(cache=True)
def greedy_labels(a):
    """Newman (2004) fast greedy agglomeration on an adjacency matrix (directed or not).

    Start from singletons; repeatedly merge the linked pair of communities with the
    largest gain dQ = e_ij + e_ji - (aout_i ain_j + ain_i aout_j), while the gain is
    positive (ties: lowest indices first).  Returns (Q, labels).

    Reference: Newman, PRE 69:066133 (2004), "Fast algorithm for detecting community
    structure in networks" (the method of Kashtan & Alon 2005).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> q, labels = greedy_labels(adjacency(g, directed=False)[1])
    >>> round(q, 6), len(set(labels[:3])), len(set(labels)), bool(labels[0] != labels[3])
    (0.357143, 1, 2, True)
    """
    n = a.shape[0]
    labels = np.arange(n)
    total = a.sum()
    if total == 0:
        return 0.0, labels
    e = a / total
    aout = e.sum(axis=1)
    ain = e.sum(axis=0)
    alive = np.ones(n, np.bool_)
    q = 0.0
    for i in range(n):
        q += e[i, i] - aout[i] * ain[i]
    while True:
        best = 0.0
        bi = -1
        bj = -1
        for i in range(n):
            if not alive[i]:
                continue
            for j in range(i + 1, n):
                if not alive[j] or (e[i, j] == 0.0 and e[j, i] == 0.0):
                    continue
                dq = e[i, j] + e[j, i] - (aout[i] * ain[j] + ain[i] * aout[j])
                if dq > best + 1e-14:
                    best = dq
                    bi = i
                    bj = j
        if bi < 0:
            break
        for k in range(n):
            e[bi, k] += e[bj, k]
        for k in range(n):
            e[k, bi] += e[k, bj]
        aout[bi] += aout[bj]
        ain[bi] += ain[bj]
        alive[bj] = False
        for k in range(n):
            if labels[k] == bj:
                labels[k] = bi
        q += best
    return q, labels


# --------------------------------------------------------------------------- spectral (2013 code)
def _leading_vector(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(m)
    return v[:, int(np.argmax(w))]


def spectral_first_split(a: np.ndarray) -> np.ndarray:
    """+1/-1 per node: the first (always applied) bisection of the 2013 authors' method.

    The signs of the leading eigenvector of B + B^T (Leicht & Newman 2008).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> s = spectral_first_split(adjacency(g, directed=True)[1])
    >>> len(set(s[:3])), len(set(s[3:])), bool(s[0] != s[3])
    (1, 1, True)
    """
    m = a.sum()
    if m == 0:
        return np.ones(a.shape[0], np.int64)
    b = a - np.outer(a.sum(axis=0), a.sum(axis=1)) / m
    return np.where(_leading_vector(b + b.T) > 0, 1, -1)


def spectral_partition(a: np.ndarray, threshold: float = 1e-5) -> np.ndarray:
    """Recursive leading-eigenvector bisection, as in the 2013 authors' sferes2 code.

    B_ij = A_ij - k_i^in k_j^out / m (directed; for an undirected matrix this is
    Newman's B).  The first split of the whole network uses the leading eigenvector of
    B + B^T and is always applied.  A group g is then split again using
    B^(g)_ij = B_ij - delta_ij sum_{k in g} B_ik (row sums only, as in that code),
    symmetrised, if the gain s^T (B^(g) + B^(g)T) s / 4m exceeds ``threshold``.
    s_i = +1 where the eigenvector component is > 0, else -1.  No refinement step.

    References: Newman, PNAS 103:8577 (2006); Leicht & Newman, PRL 100:118703 (2008);
    Clune, Mouret & Lipson (2013), whose code this follows.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> labels = spectral_partition(adjacency(g, directed=True)[1])
    >>> labels.tolist()
    [0, 0, 0, 1, 1, 1]
    """
    n = a.shape[0]
    labels = np.zeros(n, np.int64)
    m = a.sum()
    if m == 0 or n < 2:
        return labels
    kout, kin = a.sum(axis=1), a.sum(axis=0)
    b = a - np.outer(kin, kout) / m
    s = np.where(_leading_vector(b + b.T) > 0, 1, -1)
    groups = [np.flatnonzero(s > 0), np.flatnonzero(s < 0)]
    groups = [g for g in groups if g.size]
    final = []
    while groups:
        g = groups.pop()
        if g.size < 2:
            final.append(g)
            continue
        bg = b[np.ix_(g, g)].copy()
        bg[np.diag_indices_from(bg)] -= b[np.ix_(g, g)].sum(axis=1)
        sym = bg + bg.T
        sg = np.where(_leading_vector(sym) > 0, 1, -1)
        gain = float(sg @ sym @ sg) / (4 * m)
        left, right = g[sg > 0], g[sg < 0]
        if gain <= threshold or left.size == 0 or right.size == 0:
            final.append(g)
        else:
            groups += [right, left]
    for c, g in enumerate(sorted(final, key=lambda x: int(x.min()))):
        labels[g] = c
    return labels


# --------------------------------------------------------------------------- exact (MILP)
def exact_labels(a: np.ndarray, time_limit: float | None = EXACT_TIME_LIMIT,
                 max_nodes: int | None = None) -> np.ndarray:
    """Maximum-modularity partition as an integer program (Brandes et al. 2008).

    x_ij = 1 when i and j share a module; maximise sum_{i<j} (B_ij + B_ji) x_ij subject to
    transitivity (x_ij + x_jk - x_ik <= 1 for every triple, each rotation).  Solved with
    scipy's HiGHS ``milp``.  Refuses graphs above ``METHOD_MAX_NODES['exact']`` nodes (or
    ``max_nodes``); raises ``ExactNotOptimal`` (best Q, upper bound, gap) if the solver stops
    at ``time_limit`` seconds before proving optimality, so what it returns is always exact.

    Examples
    --------
    >>> two_triangles = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     two_triangles[i, j] = two_triangles[j, i] = 1
    >>> exact_labels(two_triangles).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix
    n = a.shape[0]
    check_size(n, "exact", max_nodes)
    if n <= 1 or a.sum() == 0:
        return np.arange(n)
    total = a.sum()
    kout, kin = a.sum(axis=1), a.sum(axis=0)
    b = a - np.outer(kout, kin) / total
    pairs = list(itertools.combinations(range(n), 2))
    index = {p: t for t, p in enumerate(pairs)}
    c = -np.array([b[i, j] + b[j, i] for i, j in pairs])
    rows, cols, vals = [], [], []
    r = 0
    for i, j, k in itertools.combinations(range(n), 3):
        ij, jk, ik = index[(i, j)], index[(j, k)], index[(i, k)]
        for p, q, s in ((ij, jk, ik), (ij, ik, jk), (ik, jk, ij)):
            rows += [r, r, r]
            cols += [p, q, s]
            vals += [1.0, 1.0, -1.0]
            r += 1
    options = {"time_limit": time_limit} if time_limit else {}
    if r:
        cons = [LinearConstraint(coo_matrix((vals, (rows, cols)), shape=(r, len(pairs))).tocsr(),
                                 -np.inf, 1.0)]
    else:
        cons = []
    res = milp(c, constraints=cons, integrality=np.ones(len(pairs)), bounds=Bounds(0, 1),
               options=options)
    if res.x is None:
        raise ModularityError(f"exact modularity: the integer program found no partition "
                              f"({res.message}); raise the time limit or use another method")
    x = np.round(res.x).astype(bool)
    labels = np.arange(n)
    for (i, j), same in zip(pairs, x):
        if same:
            labels[labels == labels[j]] = labels[i]
    _, labels = np.unique(labels, return_inverse=True)
    if res.status != 0:
        q = q_of_partition(a, labels)
        bound = getattr(res, "mip_dual_bound", None)
        q_bound = (float(np.trace(b)) - bound) / total if bound is not None and np.isfinite(bound) else None
        gap = None if q_bound is None else q_bound - q
        raise ExactNotOptimal(
            f"exact modularity: the solver stopped before proving optimality ({res.message.strip()}): "
            f"best partition found Q = {q:.4f}, upper bound "
            f"{'unknown' if q_bound is None else f'{q_bound:.4f} (gap {gap:.4f})'}; this is not exact: "
            f"raise the time limit (--time-limit, now {time_limit} s) or use another method",
            q, q_bound, gap, labels)
    return labels


# --------------------------------------------------------------------------- dispatch
def best_partition(g: nx.DiGraph, method: str, directed: bool, seed: int = 0, *,
                   max_nodes: int | None = None, time_limit: float | None = EXACT_TIME_LIMIT):
    """(Q, communities as lists of node labels) for the prepared graph ``g``.

    ``max_nodes`` overrides the method's size limit (``METHOD_MAX_NODES``); ``time_limit``
    is the exact solver's limit in seconds (see ``exact_labels``).

    Examples
    --------
    >>> g = nx.DiGraph([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (3, 4)])
    >>> q, parts = best_partition(g, "greedy", directed=False)
    >>> round(q, 4), parts
    (0.3571, [[1, 2, 3], [4, 5, 6]])
    """
    check_size(g.number_of_nodes(), method, max_nodes)
    if g.number_of_nodes() > DENSE_MAX_NODES and method in ("greedy", "spectral"):
        return _best_partition_sparse(g, method, directed)
    nodes, a = adjacency(g, directed)
    if not nodes or a.sum() == 0:
        return 0.0, [[n] for n in nodes]
    if method == "greedy":
        _, labels = greedy_labels(a)
    elif method == "spectral":
        labels = spectral_partition(a)
    elif method == "exact":
        labels = exact_labels(a, time_limit=time_limit, max_nodes=max_nodes)
    elif method in ("louvain", "girvan-newman"):
        h = g if directed else nx.Graph(g.to_undirected())
        if not directed:
            h.remove_edges_from([e for e in nx.selfloop_edges(h)])
            h.add_edges_from((n, n) for n in g if g.has_edge(n, n))
        if method == "louvain":
            comms = nx.community.louvain_communities(h, seed=seed)
        else:
            comms = _girvan_newman_best(h, nodes, a)
        labels = labels_from_communities(nodes, comms)
    else:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    return q_of_partition(a, labels), communities_from_labels(nodes, labels)


# --------------------------------------------------------------------------- large graphs (sparse)
def sparse_adjacency(g: nx.DiGraph, directed: bool):
    """(node list, CSR adjacency) with the conventions of ``adjacency``, for large graphs.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> nodes, sa = sparse_adjacency(g, directed=False)
    >>> bool((sa.toarray() == adjacency(g, directed=False)[1]).all())
    True
    """
    from scipy import sparse
    nodes = sorted(g.nodes, key=_sort_key)
    a = nx.to_scipy_sparse_array(g, nodelist=nodes, weight=None, format="csr").astype(np.float64)
    a.data[:] = 1.0
    if not directed:
        diag = a.diagonal()
        a = a.maximum(a.T).tolil()
        a.setdiag(2 * diag)
        a = a.tocsr()
        a.eliminate_zeros()
    return nodes, sparse.csr_array(a)


def q_of_partition_sparse(a, labels) -> float:
    """Q of a partition for a sparse adjacency matrix (same value as ``q_of_partition``).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> labels = [0, 0, 0, 1, 1, 1]
    >>> abs(q_of_partition_sparse(sparse_adjacency(g, True)[1], labels)
    ...     - q_of_partition(adjacency(g, True)[1], labels)) < 1e-12
    True
    """
    labels = np.asarray(labels, np.int64)
    total = a.sum()
    if total == 0:
        return 0.0
    coo = a.tocoo()
    inside = coo.data[labels[coo.row] == labels[coo.col]].sum()
    k = labels.max() + 1
    kout = np.bincount(labels, weights=np.asarray(a.sum(axis=1)).ravel(), minlength=k)
    kin = np.bincount(labels, weights=np.asarray(a.sum(axis=0)).ravel(), minlength=k)
    return float((inside - (kout * kin).sum() / total) / total)


def _best_partition_sparse(g: nx.DiGraph, method: str, directed: bool):
    nodes, a = sparse_adjacency(g, directed)
    if a.sum() == 0:
        return 0.0, [[n] for n in nodes]
    if method == "greedy":
        h = nx.DiGraph(g) if directed else nx.Graph(g.to_undirected())
        comms = nx.community.greedy_modularity_communities(h, weight=None)
        labels = labels_from_communities(nodes, comms)
    else:
        labels = spectral_partition_sparse(a)
    return q_of_partition_sparse(a, labels), communities_from_labels(nodes, labels)


def spectral_partition_sparse(a, threshold: float = 1e-5, dense_below: int = 400) -> np.ndarray:
    """``spectral_partition`` for a sparse adjacency matrix: the same recursive bisection,
    with B applied as a sparse matrix plus rank-one terms and the leading eigenvector from
    ``scipy.sparse.linalg.eigsh`` (deterministic start vector).  Groups smaller than
    ``dense_below`` nodes are split with dense matrices, as in ``spectral_partition``.
    Eigenvectors of (near-)degenerate eigenvalues may differ from the dense solver's.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> spectral_partition_sparse(sparse_adjacency(g, True)[1]).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    from scipy.sparse.linalg import LinearOperator, eigsh
    n = a.shape[0]
    labels = np.zeros(n, np.int64)
    m = float(a.sum())
    if m == 0 or n < 2:
        return labels
    a = a.tocsr()
    kout = np.asarray(a.sum(axis=1)).ravel()
    kin = np.asarray(a.sum(axis=0)).ravel()

    def split(g, first):
        sub = a[g][:, g]
        ko, ki = kout[g], kin[g]
        size = len(g)
        row = (np.zeros(size) if first else
               np.asarray(sub.sum(axis=1)).ravel() - ki * ko.sum() / m)   # row sums of B[g, g]
        if size < dense_below:
            bg = sub.toarray() - np.outer(ki, ko) / m
            bg[np.diag_indices_from(bg)] -= row
            sym = bg + bg.T
            v = _leading_vector(sym)
            s = np.where(v > 0, 1, -1)
            return s, float(s @ sym @ s)

        def matvec(x):
            x = np.ravel(x)
            return (sub @ x - ki * (ko @ x) / m + sub.T @ x - ko * (ki @ x) / m - 2 * row * x)

        op = LinearOperator((size, size), matvec=matvec, dtype=np.float64)
        v0 = np.linspace(1.0, 2.0, size)
        _, vec = eigsh(op, k=1, which="LA", v0=v0, tol=1e-10, maxiter=max(1000, 20 * size))
        s = np.where(vec[:, 0] > 0, 1, -1)
        return s, float(s @ matvec(s))

    s, _ = split(np.arange(n), True)
    groups = [g for g in (np.flatnonzero(s > 0), np.flatnonzero(s < 0)) if g.size]
    final = []
    while groups:
        g = groups.pop()
        if g.size < 2:
            final.append(g)
            continue
        sg, quad = split(g, False)
        gain = quad / (4 * m)
        left, right = g[sg > 0], g[sg < 0]
        if gain <= threshold or left.size == 0 or right.size == 0:
            final.append(g)
        else:
            groups += [right, left]
    for c, g in enumerate(sorted(final, key=lambda x: int(x.min()))):
        labels[g] = c
    return labels


def _girvan_newman_best(h, nodes, a):
    best, best_q = [set(nodes)], q_of_partition(a, np.zeros(len(nodes), np.int64))
    for level in nx.community.girvan_newman(h):
        q = q_of_partition(a, labels_from_communities(nodes, level))
        if q > best_q + 1e-12:
            best, best_q = level, q
    return best


# --------------------------------------------------------------------------- shared matrix helpers
@njit(cache=True)
def compact_matrix(full, directed):
    """Drop nodes without edges from an adjacency matrix (directed: full[i, j] = edge i -> j;
    undirected: symmetrised first, a self-loop counting 2 on the diagonal as in networkx).
    Returns (matrix, indices of the kept nodes).

    Examples
    --------
    >>> import numpy as np
    >>> full = np.zeros((4, 4)); full[0, 2] = full[2, 3] = 1.0        # node 1 has no edge
    >>> m, kept = compact_matrix(full, True)
    >>> kept.tolist(), m.shape, bool((m == m.T).all())
    ([0, 2, 3], (3, 3), False)
    >>> bool((compact_matrix(full, False)[0] == compact_matrix(full, False)[0].T).all())
    True
    """
    n = full.shape[0]
    if not directed:
        for i in range(n):
            for j in range(i + 1, n):
                v = max(full[i, j], full[j, i])
                full[i, j] = v
                full[j, i] = v
            full[i, i] *= 2.0
    keep = np.zeros(n, np.int64)
    k = 0
    for i in range(n):
        deg = 0.0
        for j in range(n):
            deg += full[i, j] + full[j, i]
        if deg > 0:
            keep[k] = i
            k += 1
    m = np.empty((k, k), np.float64)
    for a in range(k):
        for b in range(k):
            m[a, b] = full[keep[a], keep[b]]
    return m, keep[:k].copy()


@njit(cache=True)
def _adjacency_from_edges(src, dst, n, undirected):
    adj = np.zeros((n, n), np.bool_)
    for k in range(src.shape[0]):
        adj[src[k], dst[k]] = True
        if undirected:
            adj[dst[k], src[k]] = True
    return adj


# --------------------------------------------------------------------------- randomisation
@njit(cache=True)
def _swap_edges(src, dst, adj, n_swaps, undirected, layer, max_tries):
    """Degree-preserving edge swaps in place; returns the number of successful swaps.

    Directed: a->b, c->d  =>  a->d, c->b (keeps every node's in- and out-degree).
    Undirected: a-b, c-d  =>  a-d, c-b, with a random orientation of c-d.
    ``layer``: if not all -1, only edges with the same (layer of source, layer of target)
    are swapped, so a layered network stays layered.  No self-loops or parallel edges
    are created.
    """
    m = src.shape[0]
    if m < 2:
        return 0
    done = 0
    tries = 0
    use_layers = layer[0] >= 0
    while done < n_swaps and tries < max_tries:
        tries += 1
        i = np.random.randint(0, m)
        j = np.random.randint(0, m)
        if i == j:
            continue
        a, b = src[i], dst[i]
        c, d = src[j], dst[j]
        if undirected and np.random.random() < 0.5:
            c, d = d, c
        if use_layers and (layer[a] != layer[c] or layer[b] != layer[d]):
            continue
        if a == d or c == b or adj[a, d] or adj[c, b]:
            continue
        if undirected and (adj[d, a] or adj[b, c]):
            continue
        adj[a, b] = False
        adj[c, d] = False
        if undirected:
            adj[b, a] = False
            adj[d, c] = False
            adj[d, a] = True
            adj[b, c] = True
        adj[a, d] = True
        adj[c, b] = True
        src[i], dst[i] = a, d
        src[j], dst[j] = c, b
        done += 1
    return done


@njit(cache=True)
def _edges_to_matrix(src, dst, n, undirected):
    a = np.zeros((n, n), np.float64)
    for k in range(src.shape[0]):
        a[src[k], dst[k]] = 1.0
        if undirected:
            a[dst[k], src[k]] = 1.0
    return a


@njit(cache=True)
def _qrand_greedy(src0, dst0, n, samples, swaps_per_edge, undirected, layer):
    qs = np.empty(samples)
    m = src0.shape[0]
    for s in range(samples):
        src = src0.copy()
        dst = dst0.copy()
        adj = _adjacency_from_edges(src, dst, n, undirected)
        _swap_edges(src, dst, adj, swaps_per_edge * m, undirected, layer, 100 * swaps_per_edge * m + 100)
        qs[s] = greedy_labels(_edges_to_matrix(src, dst, n, undirected))[0]
    return qs


def edge_arrays(g: nx.DiGraph, directed: bool):
    """Node list and simple edge arrays (self-loops dropped; undirected pairs once).

    Returns ``(nodes, sources, targets)``, sources and targets as indices into ``nodes``.

    Examples
    --------
    >>> import networkx as nx
    >>> nodes, src, dst = edge_arrays(nx.DiGraph([("a", "b"), ("b", "a"), ("b", "b")]), directed=False)
    >>> nodes, src.tolist(), dst.tolist()
    (['a', 'b'], [0], [1])
    >>> len(edge_arrays(nx.DiGraph([("a", "b"), ("b", "a")]), directed=True)[1])
    2
    """
    nodes = sorted(g.nodes, key=_sort_key)
    where = {v: i for i, v in enumerate(nodes)}
    if directed:
        pairs = [(where[u], where[v]) for u, v in g.edges if u != v]
    else:
        pairs = sorted({tuple(sorted((where[u], where[v]))) for u, v in g.edges if u != v})
    src = np.array([p[0] for p in pairs], np.int64)
    dst = np.array([p[1] for p in pairs], np.int64)
    return nodes, src, dst


def randomise(g: nx.DiGraph, directed: bool, swaps_per_edge: int = 10, layers=None,
              seed: int = 0) -> nx.DiGraph:
    """One degree-preserving randomisation of ``g`` (a DiGraph; undirected if not directed).

    ``swaps_per_edge`` x m edge swaps (a-b, c-d -> a-d, c-b) that create neither self-loops
    nor multiple edges, so every node keeps its degree (directed: in- and out-degree), the
    null model of Milo et al., Science 298:824 (2002) and of Qrand in Kashtan & Alon (2005).
    ``layers`` restricts swaps to edges between the same layers.  Seeded.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> r = randomise(g, directed=True, seed=1)
    >>> dict(r.in_degree()) == dict(g.in_degree()), dict(r.out_degree()) == dict(g.out_degree())
    (True, True)
    >>> nx.utils.graphs_equal(r, randomise(g, directed=True, seed=1))
    True
    """
    seed_numba_raw(seed)
    nodes, src, dst = edge_arrays(g, directed)
    n = len(nodes)
    adj = np.zeros((n, n), np.bool_)
    adj[src, dst] = True
    if not directed:
        adj[dst, src] = True
    layer = _layer_array(nodes, layers)
    _swap_edges(src, dst, adj, swaps_per_edge * len(src), not directed, layer,
                100 * swaps_per_edge * len(src) + 100)
    h = nx.DiGraph() if directed else nx.Graph()
    h.add_nodes_from(nodes)
    h.add_edges_from((nodes[a], nodes[b]) for a, b in zip(src, dst))
    return h


def _layer_array(nodes, layers) -> np.ndarray:
    if layers is None:
        return np.full(max(len(nodes), 1), -1, np.int64)
    return np.array([layers[v] for v in nodes], np.int64)


def q_rand(g: nx.DiGraph, *, directed: bool, method: str = "greedy", samples: int = 1000,
           swaps_per_edge: int = 10, layers=None, seed: int = 0,
           max_nodes: int | None = None) -> tuple[float, float]:
    """Mean and SD of Q over degree-preserving randomisations of ``g`` (seeded).

    With the greedy method everything runs in numba; other methods go through
    ``best_partition`` per randomised graph (slower).

    Qrand of Kashtan & Alon (2005): "the average Q of randomized networks with the same
    degree sequence".  Returns ``(mean, sd)``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> mean, sd = q_rand(g, directed=False, samples=50, seed=1)
    >>> 0 < mean < 0.357, sd > 0                  # random rewiring is less modular
    (True, True)
    >>> q_rand(g, directed=False, samples=50, seed=1) == (mean, sd)
    True
    """
    nodes, src, dst = edge_arrays(g, directed)
    if len(src) < 2:
        return 0.0, 0.0
    seed_numba_raw(seed)
    layer = _layer_array(nodes, layers)
    if len(nodes) > RANDOMISE_MAX_NODES:
        raise ModularityError(f"Qrand: {len(nodes):,} nodes exceed the {RANDOMISE_MAX_NODES:,} the "
                              f"randomisation handles (it keeps an n x n adjacency matrix)")
    if method == "greedy" and len(nodes) <= DENSE_MAX_NODES:
        qs = _qrand_greedy(src, dst, len(nodes), samples, swaps_per_edge, not directed, layer)
    else:
        qs = np.array([best_partition(nx.DiGraph(randomise(g, directed, swaps_per_edge, layers,
                                                            sample_seed(seed, s))),
                                      method, directed, max_nodes=max_nodes)[0] for s in range(samples)])
    return float(qs.mean()), float(qs.std(ddof=1)) if samples > 1 else 0.0


# --------------------------------------------------------------------------- Qmax by climbing
@njit(cache=True)
def _hillclimb_greedy(src0, dst0, n, climbs, steps, undirected, layer):
    m = src0.shape[0]
    bests = np.empty(climbs)
    for c in range(climbs):
        src = src0.copy()
        dst = dst0.copy()
        adj = _adjacency_from_edges(src, dst, n, undirected)
        _swap_edges(src, dst, adj, 10 * m, undirected, layer, 1000 * m + 100)
        q = greedy_labels(_edges_to_matrix(src, dst, n, undirected))[0]
        for _ in range(steps):
            s2 = src.copy()
            d2 = dst.copy()
            a2 = adj.copy()
            if _swap_edges(s2, d2, a2, 1, undirected, layer, 100) == 0:
                continue
            q2 = greedy_labels(_edges_to_matrix(s2, d2, n, undirected))[0]
            if q2 >= q:
                src, dst, adj, q = s2, d2, a2, q2
        bests[c] = q
    return bests


def q_max_hillclimb(g: nx.DiGraph, *, directed: bool, climbs: int = 10, steps: int = 2000,
                    layers=None, seed: int = 0) -> tuple[float, float]:
    """A cheap Qmax: the best greedy Q reached by degree-preserving swaps that never lower Q,
    from ``climbs`` random starts.  Returns (mean over climbs, best over climbs).

    An alternative to Qmax by evolution (:mod:`replication.calibration`): the most modular
    network with the same degrees that the swaps find.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> mean, best = q_max_hillclimb(g, directed=False, climbs=3, steps=100, seed=1)
    >>> mean <= best, best >= 0.357                # the two triangles are already the best
    (True, True)
    """
    nodes, src, dst = edge_arrays(g, directed)
    if len(src) < 2:
        return 0.0, 0.0
    if len(nodes) > HILLCLIMB_MAX_NODES:
        raise ModularityError(f"Qmax by hill climbing is limited to {HILLCLIMB_MAX_NODES:,} nodes "
                              f"(this graph has {len(nodes):,}): each of its {steps:,} steps per climb "
                              f"reruns the dense greedy partition; use a calibration (--calibration)")
    seed_numba_raw(seed)
    bests = _hillclimb_greedy(src, dst, len(nodes), climbs, steps, not directed,
                              _layer_array(nodes, layers))
    return float(bests.mean()), float(bests.max())


# --------------------------------------------------------------------------- Qm
def normalised_q(q: float, q_rand_value: float, q_max_value: float) -> float:
    """Qm = (Q - Qrand) / (Qmax - Qrand) (Kashtan & Alon 2005, Eq. 2).

    0 for a network as modular as random ones, 1 for one as modular as the most modular.

    Examples
    --------
    >>> normalised_q(0.2, 0.2, 0.8), normalised_q(0.8, 0.2, 0.8)
    (0.0, 1.0)
    >>> round(normalised_q(0.5, 0.2, 0.8), 6)
    0.5
    """
    if q_max_value <= q_rand_value:
        raise ValueError(f"Qmax ({q_max_value}) must exceed Qrand ({q_rand_value})")
    return (q - q_rand_value) / (q_max_value - q_rand_value)


@dataclass
class QReport:
    """Q of one network with every ingredient of Qm and how it was obtained.

    Returned by :func:`analyse_graph`; ``to_dict()`` gives a JSON-ready dict.

    Examples
    --------
    >>> r = QReport(q=0.5, method="greedy", directed=False, partition=[[0, 1], [2, 3]], n_nodes=4, n_edges=3)
    >>> r.qm is None, r.to_dict()["partition"]
    (True, [[0, 1], [2, 3]])
    """
    q: float
    method: str
    directed: bool
    partition: list
    n_nodes: int
    n_edges: int
    q_rand: float | None = None
    q_rand_sd: float | None = None
    q_rand_method: str | None = None
    q_max: float | None = None
    q_max_method: str | None = None
    qm: float | None = None
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def analyse_graph(g: nx.DiGraph, *, method: str, directed: bool, qrand_samples: int = 0,
                  swaps_per_edge: int = 10, q_max_value: float | None = None,
                  q_max_method: str | None = None, layers=None, seed: int = 0,
                  max_nodes: int | None = None, time_limit: float | None = EXACT_TIME_LIMIT) -> QReport:
    """Q, best partition and (when asked) Qrand and Qm of an already prepared graph.

    ``max_nodes`` and ``time_limit`` go to ``best_partition`` (size limit, exact solver).

    With ``qrand_samples`` > 0, Qrand by :func:`q_rand`; with ``q_max_value`` as well, Qm by
    :func:`normalised_q` (Kashtan & Alon 2005).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])  # two triangles
    >>> r = analyse_graph(g, method="greedy", directed=False, qrand_samples=20, q_max_value=0.5)
    >>> round(r.q, 6), r.partition, r.n_nodes, r.n_edges
    (0.357143, [[0, 1, 2], [3, 4, 5]], 6, 7)
    >>> abs(r.qm - normalised_q(r.q, r.q_rand, 0.5)) < 1e-12
    True
    """
    q, parts = best_partition(g, method, directed, seed, max_nodes=max_nodes, time_limit=time_limit)
    und_edges = (g.number_of_edges() if directed else nx.Graph(g.to_undirected()).number_of_edges())
    rep = QReport(q=q, method=method, directed=directed, partition=parts,
                  n_nodes=g.number_of_nodes(), n_edges=und_edges)
    if qrand_samples:
        rep.q_rand, rep.q_rand_sd = q_rand(g, directed=directed, method=method, samples=qrand_samples,
                                           swaps_per_edge=swaps_per_edge, layers=layers, seed=seed,
                                           max_nodes=max_nodes)
        rep.q_rand_method = (f"{'directed' if directed else 'undirected'} degree-preserving swaps, "
                             f"{swaps_per_edge}/edge, {qrand_samples} networks, {method} partition")
    if q_max_value is not None:
        rep.q_max, rep.q_max_method = q_max_value, q_max_method
        if rep.q_rand is not None and q_max_value > rep.q_rand:
            rep.qm = normalised_q(q, rep.q_rand, q_max_value)
    return rep


# --------------------------------------------------------------------------- the recipe
@dataclass(frozen=True)
class Recipe:
    """How one experiment measures modularity: every choice between a network and its Q / Qm.

    Graph preparation: ``graph_nodes`` ("effective": only nodes with a path to the output, as
    the genome model draws them; "all"), ``include_inputs``, ``drop_isolated``, ``self_loops``;
    ``directed`` (Leicht-Newman) or undirected (Newman-Girvan) Q; ``method``: the partition
    search (:data:`METHODS`).  Null model: ``qrand_method`` ("swap": degree-preserving
    randomisations, ``qrand_samples`` of them with ``qrand_swaps_per_edge`` swaps per edge;
    "genome": random genomes' networks, a calibration; ``None``: no Qrand).  ``qmax_method``:
    "evolve" (a calibration: the evolution re-run with Q as the goal, Kashtan & Alon 2005),
    "hillclimb" (per network, ``qmax_runs`` climbs of ``qmax_steps`` swaps) or ``None``.
    ``measure``: what the experiment reports, "qm" (Kashtan & Alon 2005) or "q" (raw Q,
    Clune et al. 2013).  ``qrand_null``: "degree" (the swaps keep every node's degree) or
    "layered" (they also keep every edge between the same two layers, mfinder's layered
    switching for layered networks; the layers come from the nodes' ``layer`` attribute
    unless given to :func:`apply_recipe`).

    Examples
    --------
    >>> r = Recipe(method="greedy", directed=False)
    >>> r.measure, r.qrand_method
    ('qm', 'swap')
    """
    method: str
    directed: bool
    graph_nodes: str = "effective"
    include_inputs: bool = True
    drop_isolated: bool = True
    self_loops: bool = False
    qrand_method: str | None = "swap"
    qrand_samples: int = 1000
    qrand_swaps_per_edge: int = 10
    qmax_method: str | None = None
    qmax_runs: int = 10
    qmax_steps: int = 2000
    measure: str = "qm"
    qrand_null: str = "degree"

    def __post_init__(self):
        if self.qrand_null not in ("degree", "layered"):
            raise ValueError(f"qrand_null must be 'degree' or 'layered', not {self.qrand_null!r}")
        if self.method not in METHODS:
            raise ValueError(f"unknown partition method {self.method!r}; known: {', '.join(METHODS)}")
        if self.graph_nodes not in ("effective", "all"):
            raise ValueError(f"graph_nodes must be 'effective' or 'all', not {self.graph_nodes!r}")
        if self.qrand_method not in ("swap", "genome", None):
            raise ValueError(f"qrand_method must be 'swap', 'genome' or None, not {self.qrand_method!r}")
        if self.qmax_method not in ("evolve", "hillclimb", None):
            raise ValueError(f"qmax_method must be 'evolve', 'hillclimb' or None, not {self.qmax_method!r}")
        if self.measure not in ("qm", "q"):
            raise ValueError(f"measure must be 'qm' or 'q', not {self.measure!r}")

    def describe(self) -> str:
        """One line saying how Q is computed.

        Examples
        --------
        >>> Recipe(method="spectral", directed=True, measure="q", qrand_method=None).describe()
        'Q: spectral partition, directed, effective nodes, inputs included, isolated nodes dropped'
        """
        return (f"Q: {self.method} partition, {'directed' if self.directed else 'undirected'}, "
                f"{self.graph_nodes} nodes, inputs {'included' if self.include_inputs else 'excluded'}, "
                f"isolated nodes {'dropped' if self.drop_isolated else 'kept'}"
                + (", self-loops kept" if self.self_loops else "")
                + (", layer-preserving Qrand null" if self.qrand_null == "layered" else ""))


def recipe_from_protocol(protocol) -> Recipe:
    """The :class:`Recipe` of a protocol: from its ``[modularity]`` section (Kashtan & Alon 2005
    experiments, measure Qm) or its ``[analysis]`` section (Clune et al. 2013: ``q_method``,
    ``q_directed``; the measure is raw Q of the whole network, no Qrand or Qmax).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.analysis import PROTOCOLS
    >>> recipe_from_protocol(load_protocol(PROTOCOLS / "ka2005_logic.toml", "mvg")).method
    'greedy'
    >>> r = recipe_from_protocol(load_protocol(PROTOCOLS / "clune2013_retina.toml", "pa"))
    >>> r.method, r.directed, r.measure
    ('spectral', True, 'q')
    """
    mod = getattr(protocol, "modularity", None)
    if mod is not None:
        return Recipe(method=mod.method, directed=mod.directed, graph_nodes=mod.graph_nodes,
                      include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                      self_loops=mod.self_loops, qrand_method=mod.qrand_method,
                      qrand_samples=mod.qrand_samples, qrand_swaps_per_edge=mod.qrand_swaps_per_edge,
                      qmax_method=mod.qmax_method, qmax_runs=mod.qmax_runs,
                      qmax_steps=mod.qmax_generations, measure="qm",
                      qrand_null=getattr(mod, "qrand_null", "degree"))
    ana = getattr(protocol, "analysis", None)
    if ana is not None:
        # the 2013 authors' code partitions the whole network as built (no node rules)
        return Recipe(method=ana.q_method, directed=ana.q_directed, graph_nodes="all",
                      include_inputs=True, drop_isolated=False, self_loops=True,
                      qrand_method=None, qrand_samples=0, qmax_method=None, measure="q")
    raise ValueError(f"protocol {getattr(protocol, 'name', protocol)!r} has neither a [modularity] "
                     f"nor an [analysis] section: no modularity recipe")


def node_layers(g: nx.DiGraph) -> dict:
    """Layer of every node from its ``layer`` attribute (the layered Qrand null needs them).

    Examples
    --------
    >>> g = nx.DiGraph([("p0", "n1"), ("n1", "out")])
    >>> nx.set_node_attributes(g, {"p0": 0, "n1": 1, "out": 2}, "layer")
    >>> node_layers(g)
    {'p0': 0, 'n1': 1, 'out': 2}
    """
    missing = [v for v, d in g.nodes(data=True) if "layer" not in d]
    if missing:
        raise ValueError(f"the layered Qrand null needs a 'layer' attribute on every node; "
                         f"{len(missing)} node(s) lack one (e.g. {missing[0]!r})")
    return {v: int(d["layer"]) for v, d in g.nodes(data=True)}


def apply_recipe(graph: nx.DiGraph, recipe: Recipe, *, seed: int, q_max=None, q_rand=None,
                 output=None, inputs=None, layers=None, max_nodes=None,
                 time_limit: float = EXACT_TIME_LIMIT) -> QReport:
    """Q, best partition, Qrand, Qmax and Qm of ``graph`` as ``recipe`` says.

    The recipe's node rules are applied first (:func:`prepare_graph`; applying them to an
    already prepared graph changes nothing).  ``q_max``: a calibration summary (a dict with
    ``q_max`` and ``method``, e.g. ``calibration.load_qmax``) or a number; without one, a
    "hillclimb" recipe climbs per network and an "evolve" recipe leaves Qmax and Qm empty.
    ``q_rand``: a precomputed null (a dict with ``mean``, ``sd`` and ``method``), required by
    the "genome" null model.  A recipe whose measure is "q" computes Q and partition only.
    ``max_nodes`` / ``time_limit``: the method's size guard and the exact solver's time limit
    (:func:`check_size`, :class:`ExactNotOptimal`).

    Examples
    --------
    >>> g = nx.DiGraph([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (3, 4)])
    >>> rep = apply_recipe(g, Recipe(method="exact", directed=False, qrand_samples=20), seed=1,
    ...                    q_max={"q_max": 0.5, "method": "given"})
    >>> round(rep.q, 4), rep.partition
    (0.3571, [[1, 2, 3], [4, 5, 6]])
    >>> rep.q_rand is not None and rep.qm is not None
    True
    """
    g = prepare_graph(graph, include_inputs=recipe.include_inputs, drop_isolated=recipe.drop_isolated,
                      self_loops=recipe.self_loops, output=output, inputs=inputs)
    if recipe.measure == "q":
        return analyse_graph(g, method=recipe.method, directed=recipe.directed, seed=seed,
                             max_nodes=max_nodes, time_limit=time_limit)
    if recipe.qrand_null == "layered" and layers is None:
        layers = node_layers(g)
    q_max_value = q_max_method = None
    if isinstance(q_max, dict):
        q_max_value, q_max_method = q_max["q_max"], q_max.get("method")
    elif q_max is not None:
        q_max_value, q_max_method = float(q_max), "given"
    elif recipe.qmax_method == "hillclimb":
        q_max_value, best = q_max_hillclimb(g, directed=recipe.directed, climbs=recipe.qmax_runs,
                                            steps=recipe.qmax_steps, layers=layers, seed=seed)
        q_max_method = (f"hillclimb: mean best greedy Q of {recipe.qmax_runs} climbs x "
                        f"{recipe.qmax_steps} degree-preserving swaps (best {best:.4f})")
    if recipe.qrand_method == "genome" and q_rand is None:
        raise ValueError("the 'genome' null model needs q_rand (the random-genome table's entry "
                         "for this network's node count)")
    samples = recipe.qrand_samples if recipe.qrand_method == "swap" and q_rand is None else 0
    rep = analyse_graph(g, method=recipe.method, directed=recipe.directed, qrand_samples=samples,
                        swaps_per_edge=recipe.qrand_swaps_per_edge, q_max_value=q_max_value,
                        q_max_method=q_max_method, layers=layers, seed=seed, max_nodes=max_nodes,
                        time_limit=time_limit)
    if q_rand is not None:
        rep.q_rand, rep.q_rand_sd, rep.q_rand_method = q_rand["mean"], q_rand["sd"], q_rand.get("method")
        rep.qm = (normalised_q(rep.q, rep.q_rand, rep.q_max)
                  if rep.q_max is not None and rep.q_max > rep.q_rand else None)
    return rep
