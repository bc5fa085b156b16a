"""One generation step per evolutionary algorithm, built on the genome interface and selection/.

The generation loop (:mod:`replication.evolve`) knows neither algorithm in detail: each
generation it asks the algorithm to *assess* the population of that generation (an
:class:`Assessment`: correct answers per goal, the values that decide "solved", the log
row), checks its stop rule, then asks the algorithm to *advance* to the next generation.
The selection schemes themselves (``selection/``) see fitness or objective arrays only.

``ka2005``
    Kashtan & Alon (2005), elite scheme of Kashtan, Noor & Alon (2007) SI: evaluate the
    population, rank by fitness, the best L unchanged, the worst L replaced by copies of
    the best L, all but the elite varied.  Fitness is the goal's (fraction right minus
    size penalty and cost) or, for the Qmax calibration (``fitness.objective =
    "modularity"``), Q minus the size penalty.
``nsga2``
    Clune, Mouret & Lipson (2013): (mu + lambda) NSGA-II with stochastic Pareto dominance.
    N parents by tournaments -> N mutated children -> parents + children ranked by
    stochastic non-dominated sorting + crowding -> N survivors.  Objectives: performance
    on the current goal and, unless PA, minus the connection cost (or a random value, P&RO),
    compared with probability ``objectives.pressure``.  P&RO's random objective is either
    drawn afresh at each evaluation (``random``) or, as in the authors' code
    (``random-heritable``, gen_spatial.hpp), drawn U[0, 1) for each initial network,
    inherited by its children and moved by gaussian(0, 0.1) at each mutation.

Both draw all randomness of generation g from the stream seeded for g (see :mod:`.rng`),
so runs resume bit-identically.

Examples
--------
>>> from replication.protocol import load_protocol
>>> from replication.genomes import genome_model
>>> from replication.rng import seed_numba
>>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1", [("selection.population", 50),
...                   ("selection.elite", 10)])
>>> model = genome_model(p)
>>> algo = make_algorithm(p, model, ["G1"], seed=1)
>>> seed_numba(1, "init"); state = algo.initial(model.random(50))
>>> seed_numba(1, "generation", 0); a = algo.assess(0, 0, state)
>>> a.correct.shape, 0 <= a.n_solved <= 50
((50, 1), True)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .rng import numpy_generator, seed_numba
from .selection import ka2005, nsga2
from .tasks import schedule_from


@dataclass
class Assessment:
    """One generation's assessed population.

    ``correct`` (n, n_goals): patterns right per goal; ``solved`` (n,) bool: meets the
    protocol's solved criterion on the current goal; ``score`` (n,): what "best" means
    (fitness for the 2005 scheme, performance for NSGA-II); ``log`` the log row's values
    after the generation and goal columns.

    Examples
    --------
    >>> a = Assessment(np.zeros((3, 4)), np.array([[16], [12], [16]]), np.array([True, False, True]),
    ...                np.array([1.0, 0.75, 0.9]))
    >>> a.n_solved, int(np.argmax(a.score))
    (2, 0)
    """
    population: np.ndarray
    correct: np.ndarray
    solved: np.ndarray
    score: np.ndarray
    evaluation: object = None
    extra: dict = field(default_factory=dict)

    @property
    def n_solved(self) -> int:
        return int(np.count_nonzero(self.solved))


@njit(cache=True)
def _uniform(n):
    """Uniform numbers from numba's generator (the one the generation's stream seeds)."""
    return np.random.random(n)


@njit(cache=True)
def _gaussian(n):
    """Standard normal numbers from numba's generator."""
    return np.random.standard_normal(n)


@njit(cache=True)
def _randint(n):
    return np.random.randint(0, n)


class Ka2005Algorithm:
    """The 2005 elite scheme over a genome model (see module docstring).

    Each generation: :meth:`assess` evaluates the population (fitness: fraction of the goal's
    patterns right minus the size penalty and cost, or Q minus the size penalty for the Qmax
    calibration), :meth:`advance` applies :func:`replication.selection.ka2005.select` (the best
    L unchanged, the worst L replaced by copies of them) and varies every other row.
    :meth:`stretch` runs many generations in one numba call (:mod:`replication.fused`), with the
    same result.  Reference: Kashtan & Alon, PNAS 102:13773 (2005); Kashtan, Noor & Alon, PNAS
    104:13711 (2007), SI.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1",
    ...                   [("selection.population", 20), ("selection.elite", 4)])
    >>> model = genome_model(p)
    >>> algo = Ka2005Algorithm(p, model, ["G1"], seed=2)
    >>> seed_numba(2, "init"); state = algo.initial(model.random(20))
    >>> seed_numba(2, "generation", 0); a = algo.assess(0, 0, state)
    >>> order = np.argsort(-a.score, kind="stable")
    >>> algo.advance(a, state)            # the elite come first, unchanged
    >>> bool((state["population"][:4] == a.population[order[:4]]).all())
    True
    """

    name = "ka2005"

    def __init__(self, protocol, model, goals, seed: int):
        self.protocol, self.model = protocol, model
        self.schedule, self.seed = schedule_from(protocol), seed
        self.goals = goals
        self.targets = model.targets(self._goal_items(0))
        sel, run = protocol.selection, protocol.run
        self.elite = sel.elite
        self.random_ties = sel.tie_break == "random"
        self.by_fitness = run.solved_when == "fitness"
        self.threshold = run.solved_threshold
        self.modularity = getattr(protocol.fitness, "objective", "goal") == "modularity"
        # the 2005 retina: the solved criterion on all 256 patterns or on the generation's environment;
        # the other criterion's first solutions are tracked too (result key solved_generation_other)
        self.solved_on = getattr(getattr(protocol, "retina", None), "solved_on", None)
        # MVG retina runs: the latest solution of every goal, to count the genes AND and OR solutions differ in
        self.track_solutions = (self.solved_on is not None and not self.modularity
                                and schedule_from(protocol).kind == "mvg")
        self._fused = self._fused_kernel_args()
        self._cache = None

    def _goal_items(self, gen: int) -> list:
        """The goals' expressions; random goals (random-varying-goals controls) as the truth
        tables in force at ``gen``, drawn from the run's ``goals`` stream."""
        if not self.schedule.random:
            return [self.protocol.goals[g] for g in self.goals]
        return self.schedule.goal_items(self.protocol.goals, gen, self.seed, self.model.n_inputs,
                                        self.model.n_outputs)

    def initial(self, population) -> dict:
        state = {"population": population}
        if self.solved_on is not None and not self.modularity:
            state["other_solved_at"] = np.full(len(self.goals), -1, np.int64)
        if self.track_solutions:
            state["solutions"] = np.zeros((len(self.goals), population.shape[1]), population.dtype)
            state["solution_at"] = np.full(len(self.goals), -1, np.int64)
        return state

    def assess(self, gen: int, goal: int, state: dict) -> Assessment:
        pop = state["population"]
        self._state = state
        extra = {}
        if self.schedule.random:
            self.targets = self.model.targets(self._goal_items(gen))
        if self.modularity:
            q, _ = self.model.population_q(pop, self.protocol)
            evaluation = self.model.evaluate(pop, self.targets)
            fitness = q - self.model.size_penalty(evaluation.n_effective)
            extra["q"] = q
        else:
            evaluation = self.model.evaluate(pop, self.targets)
            fitness = self.model.fitness(evaluation, goal, self.targets)
        correct = evaluation.correct
        measure = fitness if self.by_fitness else correct[:, goal] / self.model.n_rows
        if self.solved_on is not None and not self.modularity and not self.by_fitness:
            on_env = evaluation.extra["environment_accuracy"]
            measure, other = (on_env, measure) if self.solved_on == "environment" else (measure, on_env)
            if state["other_solved_at"][goal] < 0 and np.any(other >= self.threshold):
                state["other_solved_at"][goal] = gen
        a = Assessment(pop, correct, measure >= self.threshold, fitness, evaluation, extra)
        if self.track_solutions and a.n_solved:
            state["solutions"][goal] = pop[self.best(a, self.seed)]
            state["solution_at"][goal] = gen
        return a

    def advance(self, a: Assessment, state: dict) -> None:
        parents, may_vary = ka2005.select(a.score, self.elite, self.random_ties)
        pop = a.population[parents]
        self.model.vary(pop, may_vary)
        state["population"] = pop

    def other_criterion_fields(self, state: dict) -> dict:
        """The 2005 retina: first solutions under the criterion not in force (written only once it
        was met), and the genes in which the latest AND and OR solutions of an MVG run differ."""
        fields = {}
        if "other_solved_at" in state and np.any(state["other_solved_at"] >= 0):
            at = {g: (int(v) if v >= 0 else None) for g, v in zip(self.goals, state["other_solved_at"])}
            fields["solved_generation_other"] = {
                "criterion": "environment" if self.solved_on == "all" else "all",
                "by_goal": at, "all_goals": max(at.values()) if None not in at.values() else None}
        if self.track_solutions and np.all(state["solution_at"] >= 0) and len(self.goals) == 2:
            diff = self.model.solution_difference(state["solutions"][0], state["solutions"][1])
            fields["solution_difference"] = {**diff, "generations": [int(v) for v in state["solution_at"]]}
        return fields
    # ----- whole stretches of generations in numba (replication.fused)
    def _fused_kernel_args(self):
        """``(kind, fixed arguments)`` of the fused kernel of this run
        (:func:`replication.fused.ka2005_circuit_stretch` or
        :func:`replication.fused.ka2005_retina_stretch`), or None when it cannot use one."""
        from .genomes.nand_circuit import NandCircuitModel
        from .genomes.threshold_network import ThresholdNetworkModel
        if self.schedule.random or self.schedule.kind not in ("fixed", "mvg") \
                or type(self).advance is not Ka2005Algorithm.advance:    # another selection scheme
            return None
        if isinstance(self.model, NandCircuitModel):
            args = self._fused_circuit_args()
            return None if args is None else ("circuit", args)
        if isinstance(self.model, ThresholdNetworkModel):
            args = self._fused_retina_args()
            return None if args is None else ("retina", args)
        return None

    def _sched_args(self) -> dict:
        sched_map = np.array([self.goals.index(g) for g in self.schedule.goals], np.int64)
        return dict(sched_epoch=0 if self.schedule.kind == "fixed" else int(self.schedule.epoch),
                    sched_map=sched_map)

    def _fused_circuit_args(self):
        """The fixed arguments of :func:`replication.fused.ka2005_circuit_stretch`, or None (not
        one-output NAND circuits of at most 64 gates)."""
        from .genomes.nand_circuit import MUTATION_OPERATORS
        m, p = self.model, self.protocol
        if m.n_outputs != 1 or m.n_gates > 64 or m.n_nodes >= 255:
            return None
        graph = m.graph_options(p) if self.modularity else (False, True, False, False)
        return dict(**self._sched_args(), targets=np.ascontiguousarray(self.targets, np.uint64),
                    n_inputs=m.n_inputs, n_gates=m.n_gates, in_masks=m.in_masks, full=m.full,
                    sweeps=m.sweeps, initial_state=m.initial_state, n_rows=m.n_rows,
                    penalty=float(m.penalty), free_gates=int(m.free_gates),
                    cost_weight=float(m.cost_weight), modularity=bool(self.modularity),
                    include_inputs=bool(graph[0]), effective_only=bool(graph[1]), self_loops=bool(graph[2]),
                    directed=bool(graph[3]), elite=int(self.elite), random_ties=bool(self.random_ties),
                    by_fitness=bool(self.by_fitness), threshold=float(self.threshold),
                    mutation_mode=MUTATION_OPERATORS[m.mutation_operator],
                    probability=float(m.mutation_probability), output_any=bool(m.output_any))

    def _fused_retina_args(self):
        """The fixed arguments of :func:`replication.fused.ka2005_retina_stretch`, or None where
        it does not apply: the Qmax calibration (fitness = Q), the binary encoding (its per-bit
        mutation and cancelling weights are not in the kernel), networks too large for the bit masks
        of the kernel (more than 62 neurons, or a layer of more than 62)."""
        from .fused import CROSSOVER_MODES, ENVIRONMENTS
        m = self.model
        if self.modularity or m.binary or m.n_neurons > 62 or max(m.prev_sizes) > 62 \
                or m.crossover_mode not in CROSSOVER_MODES or m.pattern_mode not in ENVIRONMENTS \
                or self.solved_on not in ("all", "environment"):
            return None
        classes = m.classes if m.pattern_mode == "balanced" else np.zeros((1, 1), np.int64)
        return dict(**self._sched_args(), targets=np.ascontiguousarray(self.targets, np.uint64),
                    layer_start=m.layer_start, neuron_layer=m.neuron_layer,
                    prev_sizes=m.prev_sizes, fanin=m.fanin, tmin=int(m.tmin), tmax=int(m.tmax),
                    at_least=bool(m.at_least), env_mode=ENVIRONMENTS[m.pattern_mode],
                    n_patterns=int(m.n_patterns), classes=np.ascontiguousarray(classes, np.int64),
                    penalty=float(m.penalty), free_neurons=int(m.free), cost_weight=float(m.cost_weight),
                    elite=int(self.elite), random_ties=bool(self.random_ties), by_fitness=bool(self.by_fitness),
                    threshold=float(self.threshold), solved_on_env=self.solved_on == "environment",
                    track_other=not self.by_fitness, track_solutions=bool(self.track_solutions),
                    pm=float(m.pm), pc=float(m.pc), crossover_mode=CROSSOVER_MODES[m.crossover_mode],
                    uniform=bool(m.uniform))

    def stretch(self, gen: int, end: int, state: dict, watch, resume_at: int = -1) -> tuple | None:
        """Run generations ``gen .. end-1`` in numba as :meth:`assess` + :meth:`advance` would,
        stopping early before a generation the loop must see (see :mod:`.fused`).

        ``watch``: ``needs_solved`` (per goal: a solved individual is an event),
        ``readapt_epoch`` (> 0: every epoch start is an event), ``watch_until`` (a solved
        individual before that generation is an event); ``resume_at``: the event generation
        the loop has just seen, to run on without stopping.  Returns ``(g, rows, event)``: the
        first generation not run, the log rows ``(generation, values)`` of the ones run, and
        for an event at g (g < end) ``(n_solved, log values)`` of generation g, else None;
        None when this run has no fused kernel."""
        if self._fused is None:
            return None
        kind, args = self._fused
        k = end - gen
        n_goals = len(self.goals)
        logs = dict(log_best=np.empty(k), log_mean=np.empty(k), log_solved=np.empty(k, np.int64),
                    log_correct=np.empty((k, n_goals), np.int64))
        run = dict(gen=gen, end=end, seed=self.seed, needs_solved=np.asarray(watch["needs_solved"], np.bool_),
                   readapt_epoch=int(watch["readapt_epoch"]), watch_until=int(watch["watch_until"]),
                   resume_at=int(resume_at), **logs, **args)
        step = self._circuit_stretch if kind == "circuit" else self._retina_stretch
        g = step(state, run)
        # the log values as log_row gives them: Python floats and ints; the fraction right is the
        # same correctly rounded division in NumPy as int(v) / n_rows (done in bulk: this is per
        # generation, so it counts)
        n = g - gen + (1 if g < end else 0)
        best, mean = logs["log_best"][:n].tolist(), logs["log_mean"][:n].tolist()
        n_solved = logs["log_solved"][:n].tolist()
        accuracy = (logs["log_correct"][:n] / self.model.n_rows).tolist()

        def values(i):
            return [best[i], mean[i], n_solved[i]] + accuracy[i]
        rows = [(t, values(t - gen)) for t in range(gen, g) if self.logs_generation(t)]
        return g, rows, ((n_solved[g - gen], values(g - gen)) if g < end else None)

    def _circuit_stretch(self, state: dict, run: dict) -> int:
        from .fused import N_RECORD, ka2005_circuit_stretch, new_memo
        pop = state["population"]
        c = self._cache
        if c is None or c["pop"] is not pop:
            n = pop.shape[0]
            c = self._cache = dict(pop=pop, spare=np.empty_like(pop), rec=np.zeros((n, N_RECORD), np.uint64),
                                   rec2=np.zeros((n, N_RECORD), np.uint64), q=np.zeros(n), q2=np.zeros(n),
                                   dirty=np.ones(n, np.bool_), dirty_q=np.ones(n, np.bool_),
                                   memo=c["memo"] if c is not None else new_memo(pop.shape[1]))
        g, swapped = ka2005_circuit_stretch(c["pop"], c["spare"], c["rec"], c["rec2"], c["q"], c["q2"],
                                            c["dirty"], c["dirty_q"], **c["memo"], **run)
        if swapped:
            for a, b in (("pop", "spare"), ("rec", "rec2"), ("q", "q2")):
                c[a], c[b] = c[b], c[a]
        state["population"] = c["pop"]
        return g

    def _retina_stretch(self, state: dict, run: dict) -> int:
        from .fused import N_RETINA_RECORD, ka2005_retina_stretch, new_value_store, retina_records
        m = self.model
        if m.pattern_mode == "fixed" and m.fixed_mask is None:
            m.environment()                         # raises: start_run was not called
        pop = state["population"]
        c = self._cache
        if c is None or c["pop"] is not pop:
            # the record of a population the loop has not seen (the first stretch, after a step
            # of assess + advance, after a resume): every neuron of every network evaluated once
            n, n_nodes = pop.shape[0], m.n_inputs + m.n_neurons
            store = new_value_store(n, n_nodes, len(self.goals))
            c = self._cache = dict(pop=pop, spare=np.empty_like(pop), nptr=np.zeros((n, n_nodes), np.int32),
                                   nptr2=np.zeros((n, n_nodes), np.int32),
                                   rec=np.zeros((n, N_RETINA_RECORD), np.int64),
                                   rec2=np.zeros((n, N_RETINA_RECORD), np.int64), store=store)
            retina_records(pop, c["nptr"], c["rec"], **store, pixels=m.pixels, layer_start=m.layer_start,
                           neuron_layer=m.neuron_layer, at_least=m.at_least)
        n_goals, n_fields = len(self.goals), pop.shape[1]
        kept = {}                                   # the 2005 retina's records the kernel keeps up to date
        for key, shape, dtype in (("other_solved_at", (n_goals,), np.int64), ("solution_at", (n_goals,), np.int64),
                                  ("solutions", (n_goals, n_fields), pop.dtype)):
            if key in state:
                state[key] = np.ascontiguousarray(state[key], dtype)
                kept[key] = state[key]
            else:                                   # not kept by this run: scratch
                kept[key] = np.zeros(shape, dtype) if key == "solutions" else np.full(shape, -1, dtype)
        env_mask = m.fixed_mask if m.pattern_mode == "fixed" else m.all_mask
        g, swapped = ka2005_retina_stretch(c["pop"], c["spare"], c["nptr"], c["nptr2"], c["rec"], c["rec2"],
                                           **c["store"], env_mask=env_mask, **kept, **run)
        if swapped:
            for a, b in (("pop", "spare"), ("nptr", "nptr2"), ("rec", "rec2")):
                c[a], c[b] = c[b], c[a]
        state["population"] = c["pop"]
        return g

    def log_header(self) -> list[str]:
        return ["best_fitness", "mean_fitness", "n_solved"] + [f"best_accuracy_{g}" for g in self.goals]

    def log_row(self, gen: int, goal: int, a: Assessment) -> list:
        return ([float(a.score.max()), float(a.score.mean()), a.n_solved]
                + [int(a.correct[:, k].max()) / self.model.n_rows for k in range(len(self.goals))])

    def logs_generation(self, gen: int) -> bool:
        return gen % self.protocol.run.log_every == 0

    def best(self, a: Assessment, seed: int) -> int:
        """The fittest solved individual if there is one, else the fittest; first index on ties."""
        return int(np.argmax(np.where(a.solved, a.score, -np.inf) if a.n_solved else a.score))

    def result_fields(self, a: Assessment, best: int) -> dict:
        fields = {"best_fitness": float(a.score[best]), "n_solved_final": a.n_solved,
                  **self.other_criterion_fields(self._state)}
        if self.modularity:
            g = self.model.modularity_graph(a.population[best], self.protocol)
            fields.update(q=float(a.extra["q"][best]), n_nodes=g.number_of_nodes(), n_edges=g.number_of_edges())
        return fields


class Ka2005EliteOffspringAlgorithm(Ka2005Algorithm):
    """The 2005 elite scheme read as "elite offspring": the best L kept unchanged, every other slot
    an offspring of elite parents (crossover of two elite parents with Pc, then mutation with Pm;
    :func:`.selection.ka2005.select_elite_offspring`).  ``variation.crossover_mode`` is not used:
    every offspring recombines with probability Pc.  Needs a genome model with ``recombine`` and
    ``mutate`` (the 2005 retina's threshold networks).  Reference: one reading of the selection
    of Kashtan & Alon, PNAS 102:13773 (2005).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "fixed-and",
    ...                   [("selection.scheme", "ka2005-elite-offspring"),
    ...                    ("selection.population", 20), ("selection.elite", 4)])
    >>> model = genome_model(p)
    >>> algo = make_algorithm(p, model, ["AND"], seed=1)
    >>> type(algo).__name__, algo.name
    ('Ka2005EliteOffspringAlgorithm', 'ka2005-elite-offspring')
    >>> seed_numba(1, "init"); state = algo.initial(model.random(20))
    >>> seed_numba(1, "generation", 0); a = algo.assess(0, 0, state)
    >>> algo.advance(a, state); state["population"].shape == a.population.shape
    True
    """

    name = "ka2005-elite-offspring"

    def advance(self, a: Assessment, state: dict) -> None:
        parents, mates, may_vary = ka2005.select_elite_offspring(
            a.score, self.elite, self.random_ties, self.protocol.variation.crossover_probability)
        pop = a.population[parents]
        self.model.recombine(pop, a.population[np.maximum(mates, 0)], mates >= 0)
        self.model.mutate(pop, may_vary)
        state["population"] = pop


class Nsga2Algorithm:
    """(mu + lambda) NSGA-II with stochastic Pareto dominance over a genome model.

    :meth:`assess` does the whole generation: N parents by tournaments, N mutated children,
    parents + children ranked (stochastic non-dominated sorting with probability
    ``objectives.pressure``, crowding distance), N survivors; :meth:`advance` does nothing.
    The objectives are the performance on the current goal and, unless PA, minus the
    connection cost (or a random value: P&RO).  References: Clune, Mouret & Lipson, Proc R Soc
    B 280:20122863 (2013); Deb et al., IEEE Trans Evol Comput 6:182 (2002).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("selection.population", 8)])
    >>> model = genome_model(p)
    >>> algo = Nsga2Algorithm(p, model, ["AND"], seed=1)
    >>> seed_numba(1, "init"); state = algo.initial(model.random(8))
    >>> seed_numba(1, "generation", 0); a = algo.assess(0, 0, state)
    >>> a.population.shape[0], bool(((a.score >= 0) & (a.score <= 1)).all())   # N survivors
    (8, True)
    """

    name = "nsga2"
    #: run a generation as one numba call (:meth:`_fused_generation`) where the genome model has
    #: the kernels; False: step by step (the reference it equals, bit for bit)
    fused = True

    def __init__(self, protocol, model, goals, seed: int):
        self.protocol, self.model = protocol, model
        self.targets = model.targets([protocol.goals[g] for g in goals])
        self.goals = goals
        self.n = protocol.selection.population
        obj = protocol.objectives
        self.p = obj.pressure
        self.cost_kind = obj.cost
        self.n_obj = 1 if obj.cost == "none" else 2
        self.ties = nsga2.CROWDING_TIES[protocol.selection.crowding_ties]
        self.threshold = protocol.run.solved_threshold
        self.xs = None
        if obj.randomize_input_x:                            # once per run (RANDCOORDS)
            n_in = getattr(model, "n_in", 8)
            self.xs = model.xs.copy()
            self.xs[:n_in] = numpy_generator(seed, "coordinates").uniform(-obj.random_input_range,
                                                                          obj.random_input_range, n_in)
        self._fused = self._fused_kernel_args()
        self._cache = None

    def objectives(self, genomes, heritable=None):
        """(correct per goal, cost) of genomes; the cost is minimised (a random objective is
        maximised, so its negative is stored; ``heritable``: the networks' inherited values)."""
        correct = self.model.evaluate(genomes, self.targets).correct
        if self.cost_kind in ("length-optimal", "length-fixed", "connections"):
            cost = self.model.costs(genomes, self.cost_kind, self.xs)
        elif self.cost_kind == "random":
            cost = -_uniform(len(genomes))
        elif self.cost_kind == "random-heritable":
            cost = -heritable
        else:
            cost = np.zeros(len(genomes))
        return correct, cost

    def initial(self, population) -> dict:
        heritable = _uniform(len(population)) if self.cost_kind == "random-heritable" else None
        correct, cost = self.objectives(population, heritable)
        return {"population": population, "correct": correct, "cost": cost, "crowd": None}

    def assess(self, gen: int, goal: int, state: dict) -> Assessment:
        pop, correct, cost, crowd = state["population"], state["correct"], state["cost"], state.get("crowd")
        n_rows = self.model.n_rows
        f0, f1 = correct[:, goal] / n_rows, -cost
        if crowd is None:                       # first generation: rank the initial population
            order, crowd = nsga2.survivors(f0, f1, self.p, self.n_obj, self.n, self.ties)
            pop, correct, cost, f0, f1 = pop[order], correct[order], cost[order], f0[order], f1[order]
        if self.fused and self._fused is not None:
            return self._fused_generation(goal, state, pop, correct, cost, crowd)
        parents = nsga2.tournament_parents(f0, f1, crowd, self.p, self.n_obj)
        children = pop[parents]
        self.model.vary(children)
        inherited = None
        if self.cost_kind == "random-heritable":    # the parent's value + gaussian(0, 0.1) (code)
            inherited = -cost[parents] + 0.1 * _gaussian(len(parents))
        c_correct, c_cost = self.objectives(children, inherited)
        all_pop = np.concatenate([pop, children])
        all_correct = np.concatenate([correct, c_correct])
        all_cost = np.concatenate([cost, c_cost])
        keep, crowd = nsga2.survivors(all_correct[:, goal] / n_rows, -all_cost, self.p, self.n_obj, self.n,
                                      self.ties)
        state.update(population=all_pop[keep], correct=all_correct[keep], cost=all_cost[keep], crowd=crowd)
        perf = state["correct"][:, goal] / n_rows
        return Assessment(state["population"], state["correct"], perf >= self.threshold, perf,
                          extra={"cost": state["cost"]})

    # ----- the whole generation in one numba call (replication.fused.nsga2_generation_2013)
    def _fused_kernel_args(self):
        """The fixed arguments of :func:`replication.fused.nsga2_generation_2013`, or None when
        the genome model has no such kernel (then :meth:`assess` runs the steps one by one)."""
        from .fused import COST_HERITABLE, COST_NONE, COST_RANDOM
        m = self.model
        if not hasattr(m, "loop_arrays"):
            return None
        modes = {"length-optimal": 0, "length-fixed": 1, "connections": 2, "random": COST_RANDOM,
                 "random-heritable": COST_HERITABLE}
        mut = m.mut
        return dict(n_rows=m.n_rows, p=float(self.p), n_obj=self.n_obj, ties=self.ties, cost_mode=modes.get(self.cost_kind, COST_NONE),
                    n_conn=m.n_conn, n_nodes=m.n_nodes, weight_mut=float(mut.weight_mutations),
                    bias_rate=float(mut.bias_rate), bias_step=mut.bias_mutation == "step",
                    add_rate=float(mut.add_connection), del_rate=float(mut.remove_connection),
                    n_biases=len(m.biases), pair_start=m.pair_start, pair_size=m.pair_size, n_in=m.n_in,
                    **m.loop_arrays(self.targets, self.xs))

    def _fused_generation(self, goal: int, state: dict, pop, correct, cost, crowd) -> Assessment:
        """:meth:`assess` after the ranking of the initial population, in one numba call.  Kept
        between generations (not in ``state``, so not in checkpoints): the population's simplified
        networks as bits, work arrays, the run's memo of costs; rebuilt for a population this
        kernel did not produce (the first generation, a resumed run)."""
        from .fused import nsga2_generation_2013
        from .genomes.weighted_network import new_cost_memo, simplified_words
        c = self._cache
        if c is None or c["pop"] is not pop:    # a population this kernel did not produce (start, resume)
            n = pop.shape[0]
            f = self._fused
            c = self._cache = dict(
                pop=pop, words=simplified_words(pop, f["src"], f["dst"], f["n_nodes"], f["n_out"]),
                all_pop=np.empty((2 * n, pop.shape[1]), pop.dtype),
                all_correct=np.empty((2 * n, correct.shape[1]), correct.dtype),
                all_cost=np.empty(2 * n), all_words=np.empty((2 * n, (f["n_conn"] + 63) // 64), np.uint64),
                memo=c["memo"] if c is not None else new_cost_memo(f["n_conn"], 4096 if f["cost_mode"] <= 2 else 1))
        pop, correct, cost, crowd, words, _, _ = nsga2_generation_2013(
            pop, correct, cost, crowd, c["words"], goal, **self._fused, all_pop=c["all_pop"],
            all_correct=c["all_correct"], all_cost=c["all_cost"], all_words=c["all_words"],
            memo_keys=c["memo"][0], memo_costs=c["memo"][1])
        c["pop"], c["words"] = pop, words
        state.update(population=pop, correct=correct, cost=cost, crowd=crowd)
        perf = correct[:, goal] / self.model.n_rows
        return Assessment(pop, correct, perf >= self.threshold, perf, extra={"cost": cost})

    def advance(self, a: Assessment, state: dict) -> None:
        """Nothing: ``assess`` already produced this generation's survivors."""

    def log_header(self) -> list[str]:
        return (["best_performance", "mean_performance", "n_solved", "best_cost", "median_cost", "q_best"]
                + [f"best_accuracy_{g}" for g in self.goals])

    def log_row(self, gen: int, goal: int, a: Assessment) -> list:
        best = int(np.argmax(a.score))
        cost = a.extra["cost"]
        q_best = (self.model.partition(a.population[best])[1]
                  if gen % self.protocol.analysis.q_every == 0 else "")
        return ([float(a.score.max()), float(a.score.mean()), a.n_solved, float(cost[best]),
                 float(np.median(cost)), q_best]
                + [int(a.correct[:, k].max()) / self.model.n_rows for k in range(len(self.goals))])

    def logs_generation(self, gen: int) -> bool:
        return gen % self.protocol.run.log_every == 0 or gen + 1 == self.protocol.run.max_generations

    def best(self, a: Assessment, seed: int) -> int:
        """The highest-performing network, ties broken at random from the run's ``final`` stream."""
        seed_numba(seed, "final", self.protocol.run.max_generations)
        ties = np.flatnonzero(a.score == a.score.max())
        return int(ties[_randint(len(ties))])

    def result_fields(self, a: Assessment, best: int) -> dict:
        return {"performance": float(a.score[best])}


ALGORITHMS = {"ka2005": Ka2005Algorithm, "ka2005-elite-offspring": Ka2005EliteOffspringAlgorithm,
              "nsga2": Nsga2Algorithm}


def make_algorithm(protocol, model, goals, seed: int):
    """The algorithm named by ``selection.scheme``, bound to a genome model and the run's goals.

    Parameters
    ----------
    protocol : Protocol
    model : a genome model (:func:`replication.genomes.genome_model`)
    goals : list of str, the goal names the run uses (in the order of the ``correct`` columns)
    seed : int, the run's seed (random goals, random input coordinates)

    Raises
    ------
    ValueError
        For a scheme not in :data:`ALGORITHMS`.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pa")
    >>> type(make_algorithm(p, genome_model(p), ["AND"], seed=1)).__name__
    'Nsga2Algorithm'
    """
    try:
        cls = ALGORITHMS[protocol.selection.scheme]
    except KeyError:
        raise ValueError(f"unknown selection scheme {protocol.selection.scheme!r}; "
                         f"known: {sorted(ALGORITHMS)}") from None
    return cls(protocol, model, goals, seed)


__all__ = ["ALGORITHMS", "Assessment", "Ka2005Algorithm", "Ka2005EliteOffspringAlgorithm", "Nsga2Algorithm", "make_algorithm"]
