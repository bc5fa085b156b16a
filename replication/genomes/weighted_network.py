"""The retina networks of Clune, Mouret & Lipson (2013), as in the authors' code of that time.

Task: 8 inputs; pattern ``s`` (0..255) sets input ``i`` to +1 when bit ``i`` of ``s`` is set,
else -1.  Inputs 0-3 are the left half (``s & 0xF``), 4-7 the right (``s & 0xF0``); a half is
an object when its value is in the protocol's list (clune2013.md C.1).

Network: layers 8-8-4-2-1 (inputs, three hidden layers, one output); connections only
from a layer to the next (106 possible); weights in {-2,-1,1,2}, biases in
{-2,-1,0,1,2}; y = tanh(20 (sum w y + b)).  With integer weights and biases every sum is an
integer and tanh(20 k) in float64 is exactly +1 or -1 for k != 0 and 0 for k = 0, so a
node's output is sign(sum + b): evaluated here in integers, bit for bit the same as the
float model (tested).  An answer is right only when the output is > 0 for "true" and < 0
for "false" (the code's rule; an output of 0 is wrong either way).

Genome: 106 connection genes (0 = absent, k = 1..4: weight index into the weight list)
followed by one bias index per non-input node (15).

Mutation, per offspring (gen_spatial.hpp / gen_dnn.hpp): each existing connection's weight
with probability ``weight_mutations / n_connections`` moves to a neighbouring value in the
ordered weight list (clamped at the ends); each bias with probability ``bias_rate`` is
re-drawn uniformly (code; the paper says +-1: option); then with probability
``add_connection`` one new connection between unconnected nodes of consecutive layers,
and with probability ``remove_connection`` one random connection is removed.
Initial genomes: random biases, and ``U{0 .. init_max_connections - 1}`` connection-add
attempts with random weights.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .base import Evaluation

N_IN = 8


def connection_table(layers):
    """(src, dst) node indices of every possible connection, layer by layer."""
    starts = np.cumsum((0,) + tuple(layers[:-1]))
    src, dst = [], []
    for l in range(len(layers) - 1):
        for a in range(layers[l]):
            for b in range(layers[l + 1]):
                src.append(starts[l] + a)
                dst.append(starts[l + 1] + b)
    return np.array(src, np.int64), np.array(dst, np.int64)


def object_mask(values, half_mask) -> int:
    """256-bit mask of the patterns whose half (``s & half_mask``) is one of ``values``."""
    vals = set(values)
    return sum(1 << s for s in range(256) if (s & half_mask) in vals)


# --------------------------------------------------------------------------- evaluation
@njit(cache=True)
def _forward(g, src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals):
    """All node outputs of one network into ``vals`` (n_nodes, 256), layer by layer:
    a layer's outputs are final once every connection into it has been added."""
    n_conn = src.shape[0]
    for i in range(N_IN):
        for p in range(256):
            vals[i, p] = inputs[i, p]
    for v in range(N_IN, n_nodes):
        b = biases[g[n_conn + v - N_IN]]
        for p in range(256):
            acc[v, p] = b
    c = 0
    lo = N_IN
    for hi in layer_end[1:]:
        # connections into nodes lo..hi-1 all come from the previous layer, listed before c moves on
        while c < n_conn and dst[c] < hi:
            wi = g[c]
            if wi != 0:
                w = weights[wi - 1]
                s = src[c]
                d = dst[c]
                for p in range(256):
                    acc[d, p] += w * vals[s, p]
            c += 1
        for v in range(lo, hi):
            for p in range(256):
                a = acc[v, p]
                vals[v, p] = 1 if a > 0 else (-1 if a < 0 else 0)
        lo = hi


@njit(cache=True)
def evaluate_2013(genomes, src, dst, layer_end, n_nodes, weights, biases, inputs, targets):
    """Correct answers (out of 256) of every network on every target, and the outputs.

    ``inputs``: (8, 256) int8 of +-1; ``targets``: (n_goals, 256) bool.  Outputs in {-1, 0, 1};
    right = output > 0 on true, < 0 on false."""
    pop = genomes.shape[0]
    n_goals = targets.shape[0]
    correct = np.zeros((pop, n_goals), np.int32)
    outs = np.zeros((pop, 256), np.int8)
    acc = np.zeros((n_nodes, 256), np.int16)
    vals = np.zeros((n_nodes, 256), np.int8)
    for k in range(pop):
        _forward(genomes[k], src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals)
        for p in range(256):
            o = vals[n_nodes - 1, p]
            outs[k, p] = o
            for t in range(n_goals):
                if (o > 0 and targets[t, p]) or (o < 0 and not targets[t, p]):
                    correct[k, t] += 1
    return correct, outs


@njit(cache=True)
def node_outputs_2013(genome, src, dst, layer_end, n_nodes, weights, biases, inputs):
    """All node outputs (n_nodes, 256) of one network (for sub-solution analysis)."""
    acc = np.zeros((n_nodes, 256), np.int16)
    vals = np.zeros((n_nodes, 256), np.int8)
    _forward(genome, src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals)
    return vals


# --------------------------------------------------------------------------- variation
@njit(cache=True)
def _add_connection(g, pair_start, pair_size, n_nodes):
    """Add one connection as the authors' code does: a pair of consecutive layers chosen
    uniformly, then a source and a target in them uniformly; retried (all three draws) while
    the chosen connection exists, at most n_nodes**2 times.  (Not uniform over the 106 slots:
    each of the 2 slots into the output is drawn with probability 1/8.)"""
    n_pairs = pair_start.shape[0]
    for _ in range(n_nodes * n_nodes):
        l = np.random.randint(0, n_pairs)
        c = pair_start[l] + np.random.randint(0, pair_size[l])
        if g[c] == 0:
            g[c] = np.random.randint(1, 5)
            return True
    return False


@njit(cache=True)
def random_2013(pop, n_conn, n_nodes, init_max, n_biases, pair_start, pair_size):
    genomes = np.zeros((pop, n_conn + n_nodes - N_IN), np.int8)
    for k in range(pop):
        for v in range(n_nodes - N_IN):
            genomes[k, n_conn + v] = np.random.randint(0, n_biases)
        for _ in range(np.random.randint(0, init_max)):
            _add_connection(genomes[k], pair_start, pair_size, n_nodes)
    return genomes


@njit(cache=True)
def mutate_2013(genomes, n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate,
                n_biases, pair_start, pair_size):
    for k in range(genomes.shape[0]):
        g = genomes[k]
        n_edges = 0
        for c in range(n_conn):
            if g[c] != 0:
                n_edges += 1
        if n_edges > 0:
            pw = weight_mut / n_edges
            for c in range(n_conn):
                if g[c] != 0 and np.random.random() < pw:
                    step = 1 if np.random.random() < 0.5 else -1
                    v = g[c] + step
                    if 1 <= v <= 4:             # ordered list, clamped at the ends
                        g[c] = v
        for v in range(n_nodes - N_IN):
            if np.random.random() < bias_rate:
                if bias_step:
                    b = g[n_conn + v] + (1 if np.random.random() < 0.5 else -1)
                    if 0 <= b < n_biases:        # out-of-range steps are ignored (paper)
                        g[n_conn + v] = b
                else:
                    g[n_conn + v] = np.random.randint(0, n_biases)
        if np.random.random() < add_rate:
            _add_connection(g, pair_start, pair_size, n_nodes)
        if np.random.random() < del_rate and n_edges > 0:
            pick = np.random.randint(0, n_edges)
            for c in range(n_conn):
                if g[c] != 0:
                    if pick == 0:
                        g[c] = 0
                        break
                    pick -= 1


# --------------------------------------------------------------------------- structure + cost
@njit(cache=True)
def simplified_edges(genome, src, dst, n_nodes):
    """Edges of the simplified network: hidden nodes without a directed path to the output
    are removed (inputs stay); returns a mask over connections and a node mask (nodes left
    with at least one edge)."""
    n_conn = src.shape[0]
    reach = np.zeros(n_nodes, np.bool_)
    reach[n_nodes - 1] = True
    for c in range(n_conn - 1, -1, -1):          # later layers first
        if genome[c] != 0 and reach[dst[c]]:
            reach[src[c]] = True
    keep = np.zeros(n_conn, np.bool_)
    nodes = np.zeros(n_nodes, np.bool_)
    for c in range(n_conn):
        if genome[c] != 0 and reach[dst[c]] and (src[c] < N_IN or reach[src[c]]):
            keep[c] = True
            nodes[src[c]] = True
            nodes[dst[c]] = True
    return keep, nodes


@njit(cache=True)
def _solve2(a, bx, by, n):
    """Solve a x = bx and a y = by in place (a: symmetric positive definite, small) by
    Gaussian elimination without pivoting (safe for such matrices)."""
    for k in range(n):
        piv = a[k, k]
        for i in range(k + 1, n):
            f = a[i, k] / piv
            if f != 0.0:
                for j in range(k, n):
                    a[i, j] -= f * a[k, j]
                bx[i] -= f * bx[k]
                by[i] -= f * by[k]
    for k in range(n - 1, -1, -1):
        sx = bx[k]
        sy = by[k]
        for j in range(k + 1, n):
            sx -= a[k, j] * bx[j]
            sy -= a[k, j] * by[j]
        bx[k] = sx / a[k, k]
        by[k] = sy / a[k, k]


@njit(cache=True)
def placement_cost(genome, src, dst, n_nodes, xs, ys, optimal):
    """Summed squared length of the simplified network's connections.  ``optimal``: hidden
    nodes placed where that sum is smallest (each at the mean of its neighbours; inputs and
    output fixed), a linear solve per axis; else at their layer coordinates."""
    keep, nodes = simplified_edges(genome, src, dst, n_nodes)
    n_conn = src.shape[0]
    px = xs.copy()
    py = ys.copy()
    if optimal:
        hidden = np.full(n_nodes, -1, np.int64)
        h = 0
        for v in range(N_IN, n_nodes - 1):
            if nodes[v]:
                hidden[v] = h
                h += 1
        if h > 0:
            lap = np.zeros((h, h))
            bx = np.zeros(h)
            by = np.zeros(h)
            for c in range(n_conn):
                if not keep[c]:
                    continue
                a, b = src[c], dst[c]
                for u, w in ((a, b), (b, a)):
                    if hidden[u] >= 0:
                        lap[hidden[u], hidden[u]] += 1.0
                        if hidden[w] >= 0:
                            lap[hidden[u], hidden[w]] -= 1.0
                        else:
                            bx[hidden[u]] += xs[w]
                            by[hidden[u]] += ys[w]
            _solve2(lap, bx, by, h)
            for v in range(n_nodes):
                if hidden[v] >= 0:
                    px[v] = bx[hidden[v]]
                    py[v] = by[hidden[v]]
    cost = 0.0
    for c in range(n_conn):
        if keep[c]:
            dx = px[src[c]] - px[dst[c]]
            dy = py[src[c]] - py[dst[c]]
            cost += dx * dx + dy * dy
    return cost


@njit(cache=True)
def population_costs(genomes, src, dst, n_nodes, xs, ys, kind):
    """kind 0: squared length, optimal placement; 1: squared length, fixed coordinates;
    2: number of connections of the simplified network."""
    pop = genomes.shape[0]
    out = np.zeros(pop)
    for k in range(pop):
        if kind == 2:
            keep, _ = simplified_edges(genomes[k], src, dst, n_nodes)
            out[k] = keep.sum()
        else:
            out[k] = placement_cost(genomes[k], src, dst, n_nodes, xs, ys, kind == 0)
    return out


# --------------------------------------------------------------------------- python side
class WeightedNetworkModel:
    """The 2013 weighted-network genome bound to a protocol's ``[network]``, ``[retina]`` and
    ``[mutation]`` sections (interface: :mod:`replication.genomes.base`).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = WeightedNetworkModel(load_protocol("original_protocol/clune2013_retina.toml", "pcc"))
    >>> empty = np.zeros((1, m.genome_length), np.int8)
    >>> ev = m.evaluate(empty, m.targets(["L & R"]))
    >>> int(ev.correct[0, 0]) <= 256
    True
    """

    kind = "retina2013"
    gene_dtype = np.int8

    def __init__(self, protocol):
        net, task, mut = protocol.network, protocol.retina, protocol.mutation
        self.layers = tuple(net.layers)
        self.n_nodes = sum(self.layers)
        self.src, self.dst = connection_table(self.layers)
        self.layer_end = np.cumsum(self.layers).astype(np.int64)
        sizes = [a * b for a, b in zip(self.layers[:-1], self.layers[1:])]
        self.pair_size = np.array(sizes, np.int64)
        self.pair_start = np.cumsum([0] + sizes[:-1]).astype(np.int64)
        self.n_conn = len(self.src)
        self.genome_length = self.n_conn + self.n_nodes
        self.weights = np.array(net.weights, np.int16)
        self.biases = np.array(net.biases, np.int16)
        if len(self.weights) != 4:
            raise ValueError("the weight genes index 4 weight values")
        self.xs = np.array([x for layer in net.x for x in layer], np.float64)
        self.ys = np.array([y for y, layer in zip(net.y, net.x) for _ in layer], np.float64)
        self.inputs = np.array([[1 if s >> i & 1 else -1 for s in range(256)] for i in range(N_IN)], np.int8)
        self.left = object_mask(task.left_objects, 0x0F)
        self.right = object_mask(task.right_objects, 0xF0)
        self.mut = mut
        self.output_rule = net.output_rule
        self.n_rows = 256
        self.analysis = protocol.analysis

    # ----- task
    def targets(self, expressions) -> np.ndarray:
        """Goal expressions over L and R -> (n_goals, 256) bool answers."""
        from ..tasks import evaluate_expression
        rows = []
        for e in expressions:
            m = evaluate_expression(e, {"L": self.left, "R": self.right}, (1 << 256) - 1)
            rows.append([m >> s & 1 for s in range(256)])
        return np.array(rows, np.bool_).reshape(len(rows), 256)

    def start_run(self, seed: int) -> None:
        """Nothing per run."""

    # ----- population
    def random(self, pop: int) -> np.ndarray:
        return random_2013(pop, self.n_conn, self.n_nodes, self.mut.init_max_connections, len(self.biases),
                           self.pair_start, self.pair_size)

    def vary(self, genomes, may_vary=None) -> None:
        """Mutate every genome (the 2013 code mutates each child; no crossover)."""
        m = self.mut
        mutate_2013(genomes, self.n_conn, self.n_nodes, m.weight_mutations, m.bias_rate,
                    m.bias_mutation == "step", m.add_connection, m.remove_connection, len(self.biases),
                    self.pair_start, self.pair_size)

    def evaluate(self, genomes, targets: np.ndarray) -> Evaluation:
        """Correct answers per goal. ``targets``: (n_goals, 256) bool."""
        correct, outs = evaluate_2013(genomes, self.src, self.dst, self.layer_end, self.n_nodes,
                                      self.weights, self.biases, self.inputs, targets)
        if self.output_rule == "non-negative-true":      # the paper's text: >= 0 answers true
            correct = np.array([[int(((o >= 0) == t).sum()) for t in targets] for o in outs], np.int32)
        return Evaluation(correct=correct, outputs=outs)

    def costs(self, genomes, kind: str, xs=None) -> np.ndarray:
        code = {"length-optimal": 0, "length-fixed": 1, "connections": 2}[kind]
        return population_costs(genomes, self.src, self.dst, self.n_nodes,
                                self.xs if xs is None else xs, self.ys, code)

    def output_node(self, genome=None) -> int:
        return self.n_nodes - 1

    # ----- structure of one network
    def edges(self, genome, simplified: bool = True) -> list[tuple[int, int]]:
        if simplified:
            keep, _ = simplified_edges(np.asarray(genome, np.int8), self.src, self.dst, self.n_nodes)
        else:
            keep = np.asarray(genome[:self.n_conn]) != 0
        return [(int(a), int(b)) for a, b in zip(self.src[keep], self.dst[keep])]

    def to_networkx(self, genome, simplified: bool = True):
        import networkx as nx
        g = nx.DiGraph()
        starts = np.cumsum((0,) + self.layers[:-1])
        layer_of = np.repeat(np.arange(len(self.layers)), self.layers)
        for a, b in self.edges(genome, simplified):
            for v in (a, b):
                if v not in g:
                    g.add_node(v, layer=int(layer_of[v]), kind="input" if v < N_IN else
                               ("output" if v == self.n_nodes - 1 else "hidden"),
                               label=f"{'i' if v < N_IN else 'h'}{v - starts[layer_of[v]]}")
            g.add_edge(a, b)
        return g

    def sub_solutions(self, genome) -> dict:
        """Nodes whose output alone answers "left object?" or "right object?" on all 256
        patterns (> 0 for yes and < 0 for no, or the reverse)."""
        out = node_outputs_2013(np.asarray(genome, np.int8), self.src, self.dst, self.layer_end,
                                self.n_nodes, self.weights, self.biases, self.inputs)
        present = {v for e in self.edges(genome) for v in e}
        found = {"left": [], "right": []}
        for name, mask in (("left", self.left), ("right", self.right)):
            t = np.array([mask >> s & 1 for s in range(256)], bool)
            for v in sorted(present - set(range(N_IN))):
                o = out[v]
                if (o != 0).all() and (((o > 0) == t).all() or ((o < 0) == t).all()):
                    found[name].append(int(v))
        return found

    # ----- what result.json records
    def partition(self, genome):
        """(simplified network, Q, modules) with the protocol's ``[analysis]`` recipe (the authors':
        spectral, directed, on the output-simplified network); Q = 0 without edges."""
        from ..modularity import best_partition
        g = self.to_networkx(genome)
        if g.number_of_edges() == 0:
            return g, 0.0, []
        q, parts = best_partition(g, self.analysis.q_method, self.analysis.q_directed)
        return g, float(q), parts

    def describe(self, genome, evaluation=None, index=None) -> dict:
        """Q (authors' recipe), cost, connections, left/right split and sub-solutions of a network."""
        from ..modularity import adjacency, spectral_first_split
        g, q, parts = self.partition(genome)
        nodes, a = adjacency(g, True)
        split = spectral_first_split(a) if g.number_of_edges() else np.zeros(0)
        side = {v: s for v, s in zip(nodes, split)}
        counts = [[sum(1 for v in group if side.get(v) == s) for group in (range(4), range(4, 8))]
                  for s in (1, -1)]
        lr = abs(counts[0][0] - counts[0][1]) + abs(counts[1][0] - counts[1][1])
        subs = self.sub_solutions(genome)
        return {
            "q": q, "partition": [[int(v) + 1 for v in c] for c in parts],     # numbered from 1
            "cost": float(self.costs(np.asarray(genome)[None, :], "length-optimal")[0]),
            "n_connections": g.number_of_edges(),
            "left_right_split": bool(lr == 8),
            "sub_solutions": {k: [v + 1 for v in nodes] for k, nodes in subs.items()},
            "sub_solution_pair": bool(subs["left"] and subs["right"]),
            "genome": [int(v) for v in genome],
        }
