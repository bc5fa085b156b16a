"""NAND-gate circuits (Kashtan & Alon 2005): genome, bit-parallel evaluation, mutation.

Genome
------
A circuit has ``n_inputs`` inputs and ``n_gates`` two-input NAND gates.  Nodes are
addressed ``0 .. n_inputs-1`` (inputs) and ``n_inputs .. n_inputs+n_gates-1`` (gates);
with 4 inputs and 12 gates an address is exactly 4 bits.  A genome is a row of
``2*n_gates + 1`` small integers: the two source addresses of each gate, then the
address of the node that drives the circuit output.  Any gate may read any node,
itself included, so feedback and self-loops are possible.  A population is a 2-D
``int16`` array, one genome per row.

Evaluation
----------
All ``2**n_inputs`` input rows are evaluated at once: a node's value is a 64-bit mask
with bit ``r`` = its value on row ``r``, and a NAND over all rows is ``~(a & b)``.
Gates are updated *synchronously* from ``initial_state``, for at most
``feedback_sweeps`` sweeps (stopping early at a fixed point).  A feed-forward circuit
reaches its combinational value after (depth) sweeps.  A row counts as *settled* when
the gates with a path to the output are at a fixed point on that row (one more sweep
would not change them); an unsettled (oscillating) row counts as wrong.

Effective gates are the gates with a directed path to the output (the output node
included); the size penalty counts them.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..modularity import compact_matrix, greedy_labels
from .base import Evaluation

GENE_DTYPE = np.int16


# --------------------------------------------------------------------------- helpers
@njit(cache=True, inline="always")
def popcount64(x):
    x = np.uint64(x)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True)
def _effective_mask(genome, n_inputs, n_gates, is_effective, stack):
    """Mark gates with a directed path to the output; returns how many there are."""
    for g in range(n_gates):
        is_effective[g] = False
    out = genome[2 * n_gates]
    count = 0
    top = 0
    if out >= n_inputs:
        is_effective[out - n_inputs] = True
        count = 1
        stack[0] = out - n_inputs
        top = 1
    while top > 0:
        top -= 1
        g = stack[top]
        for j in range(2):
            src = genome[2 * g + j]
            if src >= n_inputs:
                h = src - n_inputs
                if not is_effective[h]:
                    is_effective[h] = True
                    count += 1
                    stack[top] = h
                    top += 1
    return count


# --------------------------------------------------------------------------- evaluation
@njit(cache=True)
def _topological_order(genome, n_inputs, is_effective, n_gates, order, mark, stack):
    """Effective gates in dependency order; returns their count, or -1 if they contain a cycle.

    Iterative depth-first search; ``mark``: 0 new, 1 on the stack, 2 done.
    """
    for g in range(n_gates):
        mark[g] = 0
    n = 0
    for root in range(n_gates):
        if not is_effective[root] or mark[root] != 0:
            continue
        top = 0
        stack[0] = root
        top = 1
        mark[root] = 1
        while top > 0:
            g = stack[top - 1]
            pushed = False
            for j in range(2):
                src = genome[2 * g + j]
                if src >= n_inputs:
                    h = src - n_inputs
                    if mark[h] == 1:
                        return -1
                    if mark[h] == 0:
                        mark[h] = 1
                        stack[top] = h
                        top += 1
                        pushed = True
                        break
            if not pushed:
                mark[g] = 2
                order[n] = g
                n += 1
                top -= 1
    return n


@njit(cache=True)
def evaluate_population(genomes, n_inputs, n_gates, in_masks, full, sweeps, initial_state):
    """Output truth table, settled-row mask and effective-gate count of every genome.

    Only effective gates are simulated: they alone reach the output, and their
    predecessors are effective too, so their dynamics do not depend on the others.
    When they form no cycle and are at most ``sweeps`` in number, the synchronous
    update reaches the combinational value within ``sweeps`` sweeps whatever the start,
    so one pass in dependency order gives exactly the same result.
    """
    pop = genomes.shape[0]
    n_nodes = n_inputs + n_gates
    outputs = np.zeros(pop, np.uint64)
    settled = np.zeros(pop, np.uint64)
    n_effective = np.zeros(pop, np.int32)
    vals = np.zeros(n_nodes, np.uint64)
    new = np.zeros(n_gates, np.uint64)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    order = np.zeros(n_gates, np.int64)
    mark = np.zeros(n_gates, np.int8)
    eff = np.zeros(n_gates, np.int64)
    dfs = np.zeros(n_gates + 1, np.int64)
    start = full if initial_state == 1 else np.uint64(0)
    for i in range(n_inputs):
        vals[i] = in_masks[i]
    for k in range(pop):
        genome = genomes[k]
        n_eff = _effective_mask(genome, n_inputs, n_gates, is_eff, stack)
        n_effective[k] = n_eff
        n_sorted = _topological_order(genome, n_inputs, is_eff, n_gates, order, mark, dfs) \
            if n_eff <= sweeps else -1
        if n_sorted >= 0:
            for t in range(n_sorted):
                g = order[t]
                vals[n_inputs + g] = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
            settled[k] = full
        else:
            m = 0
            for g in range(n_gates):
                if is_eff[g]:
                    eff[m] = g
                    m += 1
                    vals[n_inputs + g] = start
            converged = False
            for _ in range(sweeps):
                changed = np.uint64(0)
                for t in range(m):
                    g = eff[t]
                    new[g] = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
                for t in range(m):
                    g = eff[t]
                    changed |= new[g] ^ vals[n_inputs + g]
                    vals[n_inputs + g] = new[g]
                if changed == 0:
                    converged = True
                    break
            if converged:
                settled[k] = full
            else:
                # one more sweep: rows where an effective gate would still change are unsettled
                unsettled = np.uint64(0)
                for t in range(m):
                    g = eff[t]
                    nxt = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
                    unsettled |= nxt ^ vals[n_inputs + g]
                settled[k] = full & ~unsettled
        outputs[k] = vals[genome[2 * n_gates]]
    return outputs, settled, n_effective


@njit(cache=True)
def correct_rows(outputs, settled, target, full):
    """Number of rows on which each circuit's settled output equals the target."""
    pop = outputs.shape[0]
    counts = np.zeros(pop, np.int32)
    for k in range(pop):
        counts[k] = popcount64(~(outputs[k] ^ target) & settled[k] & full)
    return counts


@njit(cache=True)
def connection_counts(genomes, n_inputs, n_gates):
    """Distinct connections into the effective gates of each circuit (its wiring cost)."""
    pop = genomes.shape[0]
    out = np.zeros(pop, np.int32)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    for k in range(pop):
        _effective_mask(genomes[k], n_inputs, n_gates, is_eff, stack)
        c = 0
        for g in range(n_gates):
            if is_eff[g]:
                c += 1 if genomes[k, 2 * g] == genomes[k, 2 * g + 1] else 2
        out[k] = c
    return out


@njit(cache=True)
def size_penalised_fitness(correct, n_rows, n_effective, penalty, free_gates):
    """Fraction of rows correct minus ``penalty`` per effective gate above ``free_gates``."""
    pop = correct.shape[0]
    fit = np.empty(pop, np.float64)
    for k in range(pop):
        extra = n_effective[k] - free_gates
        fit[k] = correct[k] / n_rows - (penalty * extra if extra > 0 else 0.0)
    return fit


# --------------------------------------------------------------------------- graphs + Q
@njit(cache=True)
def circuit_matrix(genome, n_inputs, n_gates, include_inputs, effective_only, self_loops,
                   directed, is_eff, stack):
    """Adjacency matrix of the circuit graph over the nodes kept by the rules, isolated
    nodes dropped.  Directed: m[i, j] = 1 for an edge i -> j; undirected: symmetric,
    self-loops 2 on the diagonal (networkx's convention).  Returns (matrix, node addresses)."""
    n_nodes = n_inputs + n_gates
    full = np.zeros((n_nodes, n_nodes), np.float64)
    _effective_mask(genome, n_inputs, n_gates, is_eff, stack)
    for g in range(n_gates):
        if effective_only and not is_eff[g]:
            continue
        dst = n_inputs + g
        for j in range(2):
            src = genome[2 * g + j]
            if src < n_inputs and not include_inputs:
                continue
            if src == dst and not self_loops:
                continue
            full[src, dst] = 1.0
    return compact_matrix(full, directed)


@njit(cache=True)
def population_q(genomes, n_inputs, n_gates, include_inputs, effective_only, self_loops, directed):
    """Greedy-partition Q of every genome's circuit graph (the ``greedy`` recipe, in numba)."""
    pop = genomes.shape[0]
    qs = np.zeros(pop)
    sizes = np.zeros(pop, np.int64)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    for k in range(pop):
        m, keep = circuit_matrix(genomes[k], n_inputs, n_gates, include_inputs, effective_only,
                                 self_loops, directed, is_eff, stack)
        sizes[k] = keep.shape[0]
        if keep.shape[0] > 1:
            qs[k] = greedy_labels(m)[0]
    return qs, sizes


# --------------------------------------------------------------------------- variation
@njit(cache=True)
def random_population(pop, n_inputs, n_gates, output_any):
    """Random genomes: every address uniform over its allowed range."""
    n_nodes = n_inputs + n_gates
    genomes = np.empty((pop, 2 * n_gates + 1), np.int16)
    for k in range(pop):
        for j in range(2 * n_gates):
            genomes[k, j] = np.random.randint(0, n_nodes)
        if output_any:
            genomes[k, 2 * n_gates] = np.random.randint(0, n_nodes)
        else:
            genomes[k, 2 * n_gates] = np.random.randint(n_inputs, n_nodes)
    return genomes


@njit(cache=True)
def mutate_population(genomes, may_mutate, probability, n_inputs, n_gates, output_any, bitflip):
    """With ``probability``, change one randomly chosen connection of each eligible genome.

    ``bitflip``: flip one random bit of the chosen 4-bit address; otherwise re-draw it
    uniformly among the *other* allowed addresses, so a mutation always changes the wiring.
    Returns how many genomes were mutated.
    """
    n_nodes = n_inputs + n_gates
    n_fields = 2 * n_gates + 1
    n_bits = 0
    while (1 << n_bits) < n_nodes:
        n_bits += 1
    mutated = 0
    for k in range(genomes.shape[0]):
        if not may_mutate[k]:
            continue
        if np.random.random() >= probability:
            continue
        field = np.random.randint(0, n_fields)
        lo = 0
        if field == n_fields - 1 and not output_any:
            lo = n_inputs
        old = genomes[k, field]
        if bitflip:
            new = old ^ (1 << np.random.randint(0, n_bits))
            if new < lo:        # output gene restricted to gates: flip lands on an input
                new = old
        else:
            new = lo + np.random.randint(0, n_nodes - lo - 1)
            if new >= old:
                new += 1
        genomes[k, field] = new
        mutated += 1
    return mutated


# --------------------------------------------------------------------------- python side
class NandCircuitModel:
    """The 2005 NAND-circuit genome bound to a protocol's ``[circuit]``, ``[fitness]``,
    ``[variation]`` and ``[cost]`` sections (interface: :mod:`replication.genomes.base`).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = NandCircuitModel(load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1"))
    >>> g = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)      # X XOR Y, 4 gates
    >>> ev = m.evaluate(g[None, :], m.targets(["X ^ Y"]))
    >>> int(ev.correct[0, 0]), int(ev.n_effective[0])
    (16, 4)
    """

    kind = "circuits"
    gene_dtype = GENE_DTYPE

    def __init__(self, protocol):
        c = protocol.circuit
        self.n_inputs = c.n_inputs
        self.n_gates = c.n_gates
        self.n_nodes = c.n_inputs + c.n_gates
        self.n_rows = 1 << c.n_inputs
        self.sweeps = c.feedback_sweeps
        self.initial_state = c.initial_state
        self.output_any = c.output_source == "any"
        from ..tasks import full_mask, input_masks
        self.full = np.uint64(full_mask(c.n_inputs))
        self.in_masks = np.array(input_masks(c.n_inputs), np.uint64)
        var = protocol.variation
        self.mutation_probability = var.mutation_probability
        self.bitflip = var.mutation_operator == "bitflip"
        if var.crossover_probability > 0:
            raise NotImplementedError("crossover for circuits is not implemented; the 2005 circuit "
                                      "runs used mutation only (set variation.crossover_probability = 0)")
        self.input_names = tuple(protocol.inputs)
        fit = protocol.fitness
        self.penalty = fit.size_penalty
        self.free_gates = fit.free_gates
        self.cost_weight = protocol.cost.weight if protocol.cost is not None else 0.0

    # ----- task
    def targets(self, expressions) -> np.ndarray:
        """Truth tables (16-bit masks over the input rows) of the goal expressions."""
        from ..tasks import truth_table
        return np.array([truth_table(e, self.input_names) for e in expressions], np.uint64)

    def start_run(self, seed: int) -> None:
        """Nothing per run: the circuit task is the same for every run."""

    # ----- population
    def random(self, pop: int) -> np.ndarray:
        return random_population(pop, self.n_inputs, self.n_gates, self.output_any)

    def evaluate(self, genomes, targets) -> Evaluation:
        outputs, settled, n_eff = evaluate_population(genomes, self.n_inputs, self.n_gates, self.in_masks,
                                                      self.full, self.sweeps, self.initial_state)
        correct = np.stack([correct_rows(outputs, settled, t, self.full) for t in targets], axis=1)
        extra = {"settled": settled}
        if self.cost_weight:
            extra["connections"] = connection_counts(genomes, self.n_inputs, self.n_gates)
        return Evaluation(correct=correct, outputs=outputs, n_effective=n_eff, extra=extra)

    def size_penalty(self, n_effective) -> np.ndarray:
        return self.penalty * np.maximum(0, np.asarray(n_effective) - self.free_gates)

    def fitness(self, evaluation: Evaluation, goal: int, targets=None) -> np.ndarray:
        """Fraction of rows right on goal ``goal``, minus the size penalty (and a connection cost)."""
        fit = size_penalised_fitness(np.ascontiguousarray(evaluation.correct[:, goal]), self.n_rows,
                                     evaluation.n_effective, self.penalty, self.free_gates)
        if self.cost_weight:
            fit -= self.cost_weight * evaluation.extra["connections"]
        return fit

    def vary(self, genomes, may_vary) -> int:
        """Mutate (Pm per genome) the rows where ``may_vary``; returns how many mutated."""
        return mutate_population(genomes, may_vary, self.mutation_probability, self.n_inputs,
                                 self.n_gates, self.output_any, self.bitflip)

    def effective_gates(self, genome) -> np.ndarray:
        is_eff = np.zeros(self.n_gates, np.bool_)
        _effective_mask(np.asarray(genome, GENE_DTYPE), self.n_inputs, self.n_gates, is_eff,
                        np.zeros(self.n_gates, np.int64))
        return np.flatnonzero(is_eff)

    # ----- phenotype as a graph
    def edges(self, genome, effective_only: bool = True) -> list[tuple[int, int]]:
        """Distinct directed edges source -> gate (node addresses), in genome order."""
        gates = self.effective_gates(genome) if effective_only else range(self.n_gates)
        seen, edges = set(), []
        for g in gates:
            for j in range(2):
                e = (int(genome[2 * g + j]), self.n_inputs + int(g))
                if e not in seen:
                    seen.add(e)
                    edges.append(e)
        return edges

    def output_node(self, genome) -> int:
        return int(genome[2 * self.n_gates])

    def node_label(self, node: int, names=None) -> str:
        if node < self.n_inputs:
            return names[node] if names is not None else f"x{node + 1}"
        return f"g{node - self.n_inputs + 1}"

    def to_networkx(self, genome, effective_only: bool = True, names=None):
        """The circuit as a DiGraph: nodes are addresses with ``kind`` (input/gate), ``layer``
        (0 for inputs, 1 for gates) and ``label``; the node driving the output has ``output=True``."""
        import networkx as nx
        g = nx.DiGraph()
        out = self.output_node(genome)
        nodes = {out}.union(*self.edges(genome, effective_only))
        names = self.input_names if names is None else names
        for node in sorted(nodes):
            g.add_node(node, kind="input" if node < self.n_inputs else "gate", layer=int(node >= self.n_inputs),
                       label=self.node_label(node, names), output=node == out)
        g.add_edges_from(self.edges(genome, effective_only))
        return g

    def graph_options(self, protocol) -> tuple:
        mod = protocol.modularity
        return (mod.include_inputs, mod.graph_nodes == "effective", mod.self_loops, mod.directed)

    def population_q(self, genomes, protocol):
        """Greedy Q of every genome (numba); the recipe's node rules, isolated nodes dropped."""
        return population_q(genomes, self.n_inputs, self.n_gates, *self.graph_options(protocol))

    def modularity_graph(self, genome, protocol):
        """The prepared graph (networkx) on which the protocol's Q recipe is computed."""
        from ..modularity import prepare_graph
        mod = protocol.modularity
        g = self.to_networkx(genome, effective_only=mod.graph_nodes == "effective",
                             names=protocol.inputs)
        return prepare_graph(g, include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                             self_loops=mod.self_loops)

    def describe(self, genome, evaluation: Evaluation, index: int) -> dict:
        """What result.json records about the best genome (``output_node`` numbered from 0)."""
        return {"n_effective_gates": int(evaluation.n_effective[index]),
                "output_node": self.output_node(genome),
                "genome": [int(v) for v in genome]}


def python_reference_output(genome, n_inputs, n_gates, sweeps, initial_state):
    """Plain-Python, row-by-row evaluation (the naive reference for tests and benchmarks).

    Returns (output bits per row, settled per row) with the same synchronous-update rule.
    """
    rows = 1 << n_inputs
    out_bits, ok_bits = [], []
    gates = range(n_gates)
    for r in range(rows):
        vals = [(r >> (n_inputs - 1 - i)) & 1 for i in range(n_inputs)] + [initial_state] * n_gates
        for _ in range(sweeps):
            new = [1 - (vals[genome[2 * g]] & vals[genome[2 * g + 1]]) for g in gates]
            changed = new != vals[n_inputs:]
            vals[n_inputs:] = new
            if not changed:
                break
        nxt = [1 - (vals[genome[2 * g]] & vals[genome[2 * g + 1]]) for g in gates]
        # effective gates: ancestors of the output
        eff, stack = set(), []
        o = genome[2 * n_gates]
        if o >= n_inputs:
            eff.add(o - n_inputs)
            stack.append(o - n_inputs)
        while stack:
            g = stack.pop()
            for j in range(2):
                s = genome[2 * g + j]
                if s >= n_inputs and s - n_inputs not in eff:
                    eff.add(s - n_inputs)
                    stack.append(s - n_inputs)
        settled = all(nxt[g] == vals[n_inputs + g] for g in eff)
        out_bits.append(vals[o])
        ok_bits.append(settled)
    return out_bits, ok_bits


def genome_from_gates(gates, output, n_inputs: int = 4, n_gates: int = 12) -> np.ndarray:
    """A genome from a list of gates ``(source_a, source_b)`` (addresses) and the output address.

    Gate ``i`` of the list gets address ``n_inputs + i``.  Unused gate genes read input 0
    twice; they have no path to the output, so they change nothing.
    """
    if len(gates) > n_gates:
        raise ValueError(f"{len(gates)} gates do not fit in {n_gates} gate genes")
    genome = np.zeros(2 * n_gates + 1, GENE_DTYPE)
    for i, (a, b) in enumerate(gates):
        genome[2 * i], genome[2 * i + 1] = a, b
    genome[2 * n_gates] = output
    return genome
