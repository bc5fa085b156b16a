"""Protocol files (TOML) -> frozen, validated parameter objects.

A protocol file holds *every* parameter of one experiment; nothing experimental has a
default in code.  Its layout::

    [experiment]            name, kind (which genome module), description, default_treatments
    [<section>]             one table per section of the kind's schema (see SCHEMAS)
    [treatments.<name>]     a named set of overrides, nested like the sections

`load_protocol(path, treatment, overrides)` merges base <- treatment <- command-line
overrides (``section.key=value``), then checks the result against the schema: unknown
keys, missing keys, wrong types and out-of-range values are errors that name the file
and the dotted key.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping


class ProtocolError(ValueError):
    """A protocol file (or an override) is not valid; the message names file and key.

    A subclass of ValueError.

    Examples
    --------
    >>> try:
    ...     load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("run.max_generations", 0)])
    ... except ProtocolError as exc:
    ...     print(isinstance(exc, ValueError), "max_generations" in str(exc))
    True True
    """


# Names that become one part of a path (experiment and treatment folders): letters, digits,
# '-', '_' and '.', not '.' or '..', so a name can never point outside the runs folder.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def check_name(name, what: str, source: str = "") -> str:
    """Return ``name`` if it is a safe single path part, else raise ProtocolError.

    A safe name is made of letters, digits, ``-``, ``_`` and ``.`` and is not ``.`` or ``..``.

    Examples
    --------
    >>> check_name("mvg-pa-e10", "treatment name")
    'mvg-pa-e10'
    >>> check_name("../../x", "treatment name", "p.toml")
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: p.toml: treatment name '../../x' is not a safe folder name (letters, digits, '-', '_', '.'; not '.' or '..')
    """
    prefix = f"{source}: " if source else ""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or name in (".", ".."):
        raise ProtocolError(f"{prefix}{what} {name!r} is not a safe folder name "
                            f"(letters, digits, '-', '_', '.'; not '.' or '..')")
    return name


def _p(*, lo=None, hi=None, choices=None, doc: str = ""):
    """A schema field: required (no default), with optional bounds or allowed values."""
    return field(metadata={"lo": lo, "hi": hi, "choices": choices, "doc": doc})


def schema(cls):
    """A frozen dataclass of ``_p`` fields whose docstring gains, before its Examples, the
    fields' documentation (name, type and the ``doc`` of :func:`_p`), so it is written once.

    Examples
    --------
    >>> @schema
    ... class Demo:
    ...     '''A demo table.
    ...
    ...     Examples
    ...     --------
    ...     >>> Demo(3).size
    ...     3
    ...     '''
    ...     size: int = _p(lo=1, doc="how many")
    >>> print(Demo.__doc__.split("Examples")[0].strip())
    A demo table.
    <BLANKLINE>
        Every field is required (no default) and checked against its bounds or allowed values
        when a protocol is built (:func:`build_protocol`).
    <BLANKLINE>
        Attributes
        ----------
        size : int
            how many
    """
    cls = dataclass(frozen=True)(cls)
    attrs = ["    Every field is required (no default) and checked against its bounds or allowed values",
             "    when a protocol is built (:func:`build_protocol`).", "", "    Attributes", "    ----------"]
    for f in dataclasses.fields(cls):
        attrs += [f"    {f.name} : {f.type}", f"        {f.metadata['doc']}"]
    head, sep, tail = (cls.__doc__ or "").partition("    Examples\n")
    cls.__doc__ = head + "\n".join(attrs) + "\n\n" + sep + tail
    return cls


# --------------------------------------------------------------------------- schemas
@schema
class CircuitSection:
    """The ``[circuit]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.circuit).__name__
    'CircuitSection'
    >>> p.circuit.n_inputs, p.circuit.n_gates
    (4, 12)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("circuit.n_inputs", 0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    n_inputs: int = _p(lo=1, hi=6, doc="number of circuit inputs")
    n_gates: int = _p(lo=1, hi=60, doc="number of NAND-gate genes")
    output_source: str = _p(choices=("any", "gates"),
                            doc="which addresses the output gene may point to")
    feedback_sweeps: int = _p(lo=1, doc="synchronous sweeps before the settle check")
    initial_state: int = _p(choices=(0, 1), doc="gate value before the first sweep")
    feedback_rule: str = _p(choices=("settle", "ternary"),
                            doc="circuits with loops: 'settle' (synchronous sweeps, a row counts where "
                                "the output's ancestors settle) or 'ternary' (0/1/unknown logic from "
                                "unknown gates, a row counts where the output is known)")


@schema
class CircuitFitnessSection:
    """The ``[fitness]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.fitness).__name__
    'CircuitFitnessSection'
    >>> p.fitness.size_penalty, p.fitness.free_gates
    (0.2, 11)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("fitness.size_penalty", -1.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    size_penalty: float = _p(lo=0.0, doc="fitness lost per effective gate above free_gates")
    free_gates: int = _p(lo=0, doc="effective gates allowed without penalty")
    objective: str = _p(choices=("goal", "modularity"),
                        doc="what fitness rewards: the goal (experiments) or Q (the Qmax calibration)")


@schema
class ScheduleSection:
    """The ``[schedule]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.schedule).__name__
    'ScheduleSection'
    >>> p.schedule.kind, p.schedule.goals
    ('mvg', ('G1', 'G2'))
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("schedule.kind", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    kind: str = _p(choices=("fixed", "mvg"), doc="fixed goal or modularly varying goals")
    goals: tuple = _p(doc="goal names, in the order they are visited")
    epoch: int = _p(lo=1, doc="generations between goal switches (MVG)")


@schema
class Ka2005SelectionSection:
    """The ``[selection]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.selection).__name__
    'Ka2005SelectionSection'
    >>> p.selection.scheme, p.selection.population
    ('ka2005', 1000)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("selection.scheme", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    scheme: str = _p(choices=("ka2005", "ka2005-elite-offspring"),
                     doc="selection scheme: ka2005 (best L kept, worst L replaced by their copies, all but the "
                         "best L varied) or ka2005-elite-offspring (best L kept, the other S - L slots are "
                         "offspring of elite parents)")
    population: int = _p(lo=2, doc="population size S")
    elite: int = _p(lo=0, doc="elite size L")
    tie_break: str = _p(choices=("random", "index"), doc="order of equal-fitness individuals")


@schema
class CircuitVariationSection:
    """The ``[variation]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.variation).__name__
    'CircuitVariationSection'
    >>> p.variation.mutation_probability, p.variation.mutation_operator
    (0.7, 'redraw')
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("variation.mutation_probability", -1.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    mutation_probability: float = _p(lo=0.0, hi=1.0, doc="Pm, per genome per generation")
    mutation_operator: str = _p(choices=("redraw", "bitflip", "bitflip-locus"),
                                doc="redraw / bitflip: with Pm one connection is re-drawn / has one bit "
                                    "flipped; bitflip-locus: each of the B genome bits flips with Pm/B")
    crossover_probability: float = _p(lo=0.0, hi=1.0, doc="Pc (0 in the 2005 circuit runs)")


@schema
class RunSection:
    """The ``[run]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.run).__name__
    'RunSection'
    >>> p.run.runs, p.run.max_generations
    (50, 100000)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("run.runs", 0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    runs: int = _p(lo=1, doc="independent runs per treatment")
    max_generations: int = _p(lo=1, doc="generation cap")
    solved_when: str = _p(choices=("fitness", "accuracy"),
                          doc="what must reach solved_threshold for an individual to count as solved")
    solved_threshold: float = _p(lo=0.0, hi=1.0, doc="fitness or accuracy that counts as solved")
    stop: str = _p(choices=("all-goals-solved", "first-solution", "sustained", "never"),
                   doc="early stop rule: every goal solved once; a solution for the goal in force; "
                       "sustained_epochs consecutive epochs re-solved after every goal was solved "
                       "(MVG; stops at the end of that epoch, just before a switch); or none")
    sustained_epochs: int = _p(lo=1, doc="consecutive re-solved epochs that fire the 'sustained' stop rule")
    post_solution_generations: int = _p(lo=0, doc="generations run on after the stop rule fires")
    log_every: int = _p(lo=1, doc="write a log row every this many generations")
    checkpoint_every: int = _p(lo=1, doc="generations between checkpoints (no effect on results)")


@schema
class ModularitySection:
    """The ``[modularity]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> type(p.modularity).__name__
    'ModularitySection'
    >>> p.modularity.graph_nodes, p.modularity.include_inputs
    ('effective', True)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("modularity.graph_nodes", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    graph_nodes: str = _p(choices=("effective", "all"),
                          doc="nodes in the graph: those with a path to the output, or all")
    include_inputs: bool = _p(doc="input nodes are nodes of the graph")
    drop_isolated: bool = _p(doc="drop nodes without edges")
    self_loops: bool = _p(doc="keep self-loops in the graph")
    directed: bool = _p(doc="directed (Leicht-Newman) or undirected (Newman-Girvan) Q")
    method: str = _p(choices=("exact", "greedy", "girvan-newman", "spectral", "louvain"),
                     doc="partition search")
    qrand_method: str = _p(choices=("swap", "genome"), doc="null model for Qrand")
    qrand_samples: int = _p(lo=1, doc="randomised networks for Qrand")
    qrand_swaps_per_edge: int = _p(lo=1, doc="edge swaps per edge in one randomisation")
    qmax_method: str = _p(choices=("evolve", "hillclimb"), doc="how Qmax is estimated")
    qmax_runs: int = _p(lo=1, doc="evolution runs (or climbs) averaged for Qmax")
    qmax_generations: int = _p(lo=1, doc="generations of each Qmax evolution run")
    qmax_population: int = _p(lo=2, doc="population of each Qmax evolution run")
    qmax_elite: int = _p(lo=0, doc="elite of each Qmax evolution run")


@schema
class RetinaSection:
    """The ``[retina]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the retina experiment).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> type(p.retina).__name__
    'RetinaSection'
    >>> p.retina.object_column, p.retina.patterns
    ('outer', 'resample')
    >>> load_protocol("original_protocol/ka2005_retina.toml", "mvg", [("retina.object_column", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    object_column: str = _p(choices=("outer", "inner"),
                            doc="column of a half that admits objects of 1-2 black pixels")
    patterns: str = _p(choices=("resample", "fixed", "all", "balanced"),
                       doc="fitness environment: new random patterns each generation, one set per run, "
                           "all 256, or new patterns each generation with equal numbers from the four "
                           "object classes (L and R, L only, R only, neither)")
    n_patterns: int = _p(lo=1, hi=256, doc="patterns in the environment")
    solved_on: str = _p(choices=("all", "environment"),
                        doc="patterns the solved criterion (run.solved_threshold) is measured on: all 256, "
                            "or this generation's fitness environment")


@schema
class NetworkSection:
    """The ``[network]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the retina experiment).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> type(p.network).__name__
    'NetworkSection'
    >>> p.network.layers, p.network.max_fanin
    ((8, 4, 2, 1), (3, 3, 3, 2))
    >>> load_protocol("original_protocol/ka2005_retina.toml", "mvg", [("network.activation", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    layers: tuple = _p(doc="neurons per layer, retina side first")
    max_fanin: tuple = _p(doc="maximum input connections of a neuron, per layer")
    threshold_min: int = _p(doc="lowest threshold")
    threshold_max: int = _p(doc="highest threshold")
    activation: str = _p(choices=("at-least", "above"), doc="fires when sum >= threshold, or > threshold")
    encoding: str = _p(choices=("integer", "binary"),
                       doc="integer: slots may be empty, one field mutated with Pm per genome; binary: every "
                           "slot connected (address bits + sign bit), threshold bits, each bit flips with Pm/B")


@schema
class RetinaFitnessSection:
    """The ``[fitness]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the retina experiment).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> type(p.fitness).__name__
    'RetinaFitnessSection'
    >>> p.fitness.size_penalty, p.fitness.free_neurons
    (0.01, 13)
    >>> load_protocol("original_protocol/ka2005_retina.toml", "mvg", [("fitness.size_penalty", -1.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    size_penalty: float = _p(lo=0.0, doc="fitness lost per effective neuron above free_neurons")
    free_neurons: int = _p(lo=0, doc="effective neurons allowed without penalty")
    objective: str = _p(choices=("goal", "modularity"),
                        doc="what fitness rewards: the goal (experiments) or Q (the Qmax calibration)")


@schema
class NetworkVariationSection:
    """The ``[variation]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the retina experiment).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> type(p.variation).__name__
    'NetworkVariationSection'
    >>> p.variation.mutation_probability, p.variation.crossover_probability
    (0.5, 0.5)
    >>> load_protocol("original_protocol/ka2005_retina.toml", "mvg", [("variation.mutation_probability", -1.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    mutation_probability: float = _p(lo=0.0, hi=1.0, doc="Pm, per genome per generation")
    crossover_probability: float = _p(lo=0.0, hi=1.0, doc="Pc, per pair of variable genomes")
    crossover_operator: str = _p(choices=("one-point", "uniform"), doc="exchange of neuron genes")
    crossover_mode: str = _p(choices=("pairs", "one-per-generation", "per-genome"),
                             doc="pairs: the variable genomes paired at random, each pair recombines with Pc; "
                                 "one-per-generation: with Pc one crossover between two random genomes; "
                                 "per-genome: each variable genome, with Pc, is replaced by a child of itself "
                                 "and a random other")


@schema
class RetinaModularitySection(ModularitySection):
    """The ``[modularity]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the retina experiment).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> type(p.modularity).__name__
    'RetinaModularitySection'
    >>> p.modularity.graph_nodes, p.modularity.include_inputs
    ('effective', True)
    >>> load_protocol("original_protocol/ka2005_retina.toml", "mvg", [("modularity.graph_nodes", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    qrand_null: str = _p(choices=("degree", "layered"),
                         doc="Qrand null of the swap method: degree-preserving swaps, or swaps that also keep "
                             "every edge between the same two layers (mfinder's layered switching)")


@schema
class Retina2013Section:
    """The ``[retina]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.retina).__name__
    'Retina2013Section'
    >>> p.retina.left_objects, p.retina.right_objects
    ((15, 7, 5, 13, 1, 11, 4, 14), (240, 224, 160, 176, 128, 208, 32, 112))
    """
    left_objects: tuple = _p(doc="values of s & 0x0F that are left objects")
    right_objects: tuple = _p(doc="values of s & 0xF0 that are right objects")


@schema
class Network2013Section:
    """The ``[network]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.network).__name__
    'Network2013Section'
    >>> p.network.layers, p.network.weights
    ((8, 8, 4, 2, 1), (2, -1, 1, 2))
    >>> load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("network.output_rule", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    layers: tuple = _p(doc="nodes per layer, inputs first")
    weights: tuple = _p(doc="the 4 weight values, in order (mutation steps between neighbours)")
    biases: tuple = _p(doc="bias values")
    x: tuple = _p(doc="x coordinate of each node, per layer")
    y: tuple = _p(doc="y coordinate of each layer")
    output_rule: str = _p(choices=("strict", "non-negative-true", "positive-true"),
                          doc="strict: > 0 true, < 0 false, 0 wrong (retina code); >= 0 true (paper "
                              "text); positive-true: > 0 true, <= 0 false (the XOR programs' code)")


@schema
class Mutation2013Section:
    """The ``[mutation]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.mutation).__name__
    'Mutation2013Section'
    >>> p.mutation.add_connection, p.mutation.remove_connection
    (0.2, 0.2)
    >>> load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("mutation.add_connection", -1.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    add_connection: float = _p(lo=0.0, hi=1.0, doc="probability of adding one connection")
    remove_connection: float = _p(lo=0.0, hi=1.0, doc="probability of removing one connection")
    weight_mutations: float = _p(lo=0.0, doc="expected weight changes per network (p = this / n)")
    bias_rate: float = _p(lo=0.0, hi=1.0, doc="per-node probability of a bias mutation")
    bias_mutation: str = _p(choices=("resample", "step"), doc="re-drawn uniformly (code) or +-1 (paper)")
    init_max_connections: int = _p(lo=1, doc="initial connection-add attempts ~ U{0 .. this - 1}")


@schema
class ObjectivesSection:
    """The ``[objectives]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.objectives).__name__
    'ObjectivesSection'
    >>> p.objectives.cost, p.objectives.pressure
    ('length-optimal', 0.25)
    >>> load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("objectives.cost", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    cost: str = _p(choices=("none", "length-optimal", "length-fixed", "connections", "random",
                            "random-heritable"),
                   doc="second objective: none (PA), connection cost variants, or random (P&RO): "
                       "drawn afresh at each evaluation (random) or inherited and drifting (code)")
    pressure: float = _p(lo=0.0, hi=1.0, doc="p: probability the second objective is compared")
    randomize_input_x: bool = _p(doc="RANDCOORDS: input x positions drawn once per run")
    random_input_range: float = _p(lo=0.0, doc="inputs' x ~ U[-range, range] when randomised")


@schema
class Task2013Section:
    """The ``[task]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013), Fig. 5).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_xor5.toml", "pcc")
    >>> type(p.task).__name__
    'Task2013Section'
    >>> p.task.kind, p.task.inputs
    ('boolean', ('a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4'))
    >>> load_protocol("original_protocol/clune2013_xor5.toml", "pcc", [("task.kind", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    kind: str = _p(choices=("boolean", "count"),
                   doc="boolean: goals are expressions over the inputs, one per output (';'); "
                       "count: a goal k is true when exactly k inputs are on")
    inputs: tuple = _p(doc="names of the input nodes; input i is bit i of the pattern (+1 set, -1 not)")


@schema
class Nsga2SelectionSection:
    """The ``[selection]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.selection).__name__
    'Nsga2SelectionSection'
    >>> p.selection.scheme, p.selection.population
    ('nsga2', 1000)
    >>> load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("selection.scheme", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    scheme: str = _p(choices=("nsga2",), doc="selection scheme")
    population: int = _p(lo=4, doc="N parents = N children per generation (a multiple of 4)")
    crowding_ties: str = _p(choices=("index", "other-objective"),
                            doc="order, in the crowding sorts, of members equal on the sorted objective: their "
                                "index, or the other objective (the cheapest best performer gets the extreme)")


@schema
class Analysis2013Section:
    """The ``[analysis]`` table of a protocol (Clune, Mouret & Lipson, Proc R Soc B 280:20122863 (2013)).

    Examples
    --------
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> type(p.analysis).__name__
    'Analysis2013Section'
    >>> p.analysis.q_method, p.analysis.q_directed
    ('spectral', True)
    >>> load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("analysis.q_method", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    q_method: str = _p(choices=("exact", "greedy", "girvan-newman", "spectral", "louvain"),
                       doc="partition method for the reported Q")
    q_directed: bool = _p(doc="directed (Leicht-Newman) Q")
    q_every: int = _p(lo=1, doc="log the best network's Q every this many generations")


@schema
class CostSection:
    """The ``[cost]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1-cost")
    >>> type(p.cost).__name__
    'CostSection'
    >>> p.cost.kind, p.cost.weight
    ('connections', 0.002)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1-cost", [("cost.kind", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    kind: str = _p(choices=("connections",), doc="what the cost counts")
    weight: float = _p(lo=0.0, doc="fitness lost per unit of cost")


@schema
class InitialSection:
    """The ``[initial]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "decay-g2")
    >>> type(p.initial).__name__
    'InitialSection'
    >>> len(p.initial.genomes) > 0, p.initial.source.startswith('hand-built modular G')
    (True, True)
    """
    genomes: tuple = _p(doc="genomes to start from; run seed k starts from genomes[(k - 1) % len], "
                            "cloned into the whole population")
    source: str = _p(doc="where the genomes come from (a description, or the run folder they were taken from)")


@schema
class RandomGoalsSection:
    """The ``[random_goals]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "rvg-g1-random")
    >>> type(p.random_goals).__name__
    'RandomGoalsSection'
    >>> p.random_goals.redraw
    'every-epoch'
    >>> load_protocol("original_protocol/ka2005_logic.toml", "rvg-g1-random", [("random_goals.redraw", "no-such-value")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    redraw: str = _p(choices=("every-epoch", "once"),
                     doc="a goal whose expression is 'random' gets a new random function every epoch "
                         "in which it is in force, or one for the whole run")


@schema
class TraceSection:
    """The ``[trace]`` table of a protocol (Kashtan & Alon, PNAS 102:13773 (2005), the logic-circuit experiments).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "decay-g2")
    >>> type(p.trace).__name__
    'TraceSection'
    >>> p.trace.q_every, p.trace.qrand_samples
    (1, 200)
    >>> load_protocol("original_protocol/ka2005_logic.toml", "decay-g2", [("trace.q_every", 0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    q_every: int = _p(lo=1, doc="log Q and Qrand of the best individual every this many generations")
    qrand_samples: int = _p(lo=1, doc="randomisations for the logged Qrand")


# Sections a protocol may leave out; an absent optional section is switched off (None).
OPTIONAL_SECTIONS = {"cost", "initial", "trace", "random_goals", "task"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "circuits": {
        "circuit": CircuitSection,
        "fitness": CircuitFitnessSection,
        "goals": dict,          # goal name -> Boolean expression over the input names
        "inputs": tuple,        # input names, most significant first
        "schedule": ScheduleSection,
        "selection": Ka2005SelectionSection,
        "variation": CircuitVariationSection,
        "run": RunSection,
        "modularity": ModularitySection,
        "cost": CostSection,
        "initial": InitialSection,
        "trace": TraceSection,
        "random_goals": RandomGoalsSection,
    },
    "retina2005": {
        "retina": RetinaSection,
        "network": NetworkSection,
        "fitness": RetinaFitnessSection,
        "goals": dict,          # goal name -> Boolean expression over L and R
        "schedule": ScheduleSection,
        "selection": Ka2005SelectionSection,
        "variation": NetworkVariationSection,
        "run": RunSection,
        "modularity": RetinaModularitySection,
        "cost": CostSection,
        "initial": InitialSection,
    },
    "retina2013": {
        "retina": Retina2013Section,
        "network": Network2013Section,
        "mutation": Mutation2013Section,
        "objectives": ObjectivesSection,
        "goals": dict,
        "schedule": ScheduleSection,
        "selection": Nsga2SelectionSection,
        "run": RunSection,
        "analysis": Analysis2013Section,
        "initial": InitialSection,
        "task": Task2013Section,      # optional: other problems than the retina (Fig. 5)
    },
}

# Sections optional for one kind only: the 2013 networks take either [retina] or [task].
OPTIONAL_BY_KIND = {"retina2013": {"retina"}}

RETINA_PIXELS = 8        # both retinas: 4 x 2 pixels, the inputs of every network

_EXPERIMENT_KEYS = {"name", "kind", "description", "default_treatments"}


# --------------------------------------------------------------------------- object
@dataclass(frozen=True)
class Protocol:
    """A resolved protocol: one experiment, one treatment, all parameters validated.

    Frozen.  Its sections are attributes (``p.run``, ``p.selection``, ...; an absent optional
    section is None), ``resolved`` the merged tables (what ``protocol.json`` records) and
    ``digest`` the identity of the parameters (bookkeeping keys left out).

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> p.name, p.kind, p.treatment, p.schedule.kind, p.cost
    ('ka2005_logic', 'circuits', 'mvg', 'mvg', None)
    >>> p.digest == load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("run.runs", 3)]).digest
    True
    >>> p.digest == load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1").digest
    False
    """
    name: str
    kind: str
    treatment: str
    source: str
    resolved: Mapping[str, Any]          # the merged TOML tables (JSON-serialisable)
    sections: Mapping[str, Any]

    def __getattr__(self, item):
        sections = object.__getattribute__(self, "sections")
        if item in sections:
            return sections[item]
        raise AttributeError(item)

    def to_json(self) -> str:
        return json.dumps(_jsonable(self.resolved), indent=2, sort_keys=True)

    @property
    def digest(self) -> str:
        """Identity of the parameters (not of the file path): resumes must match it.

        The digest of :attr:`resolved` without the bookkeeping keys
        (:data:`DIGEST_EXCLUDED`); see :func:`protocol_digest`.
        """
        return protocol_digest(self.resolved)


# Keys that cannot change what one run evolves: how many runs a treatment has, and how often a
# run logs, checkpoints or logs Q (the logged Q is computed after the generation's random draws,
# and every generation re-seeds its own stream). A run resumed with other values of these keys
# is the same run, so they stay out of the digest. Keys that change a logged value
# (e.g. ``trace.qrand_samples``) or the result stay in.  ``initial.source`` is provenance: the
# folder an adaptation's genome was taken from, as a path string (``runs/...`` or ``/abs/runs/...``
# for the same network); the genome itself (``initial.genomes``) stays in.
DIGEST_EXCLUDED = frozenset({"run.runs", "run.log_every", "run.checkpoint_every",
                             "analysis.q_every", "trace.q_every", "initial.source"})


# Keys added after runs were made with the behaviour of one of their values (the "legacy" value).
# A protocol (or a stored run's protocol.json) without the key is read with that value, and the
# key is left out of the digests while it holds it, so runs and calibrations made before the key
# existed stay the same runs.  Any other value enters the digest as usual.
LEGACY_DEFAULTS = {"retina.solved_on": "all", "network.encoding": "integer",
                   "variation.crossover_mode": "pairs", "modularity.qrand_null": "degree",
                   "selection.crowding_ties": "index", "circuit.feedback_rule": "settle"}


def strip_legacy_defaults(data: dict) -> dict:
    """``data`` (a JSON-like resolved protocol) without the :data:`LEGACY_DEFAULTS` keys that hold
    their legacy value; changed in place and returned.

    Examples
    --------
    >>> strip_legacy_defaults({"retina": {"n_patterns": 100, "solved_on": "all"}})
    {'retina': {'n_patterns': 100}}
    >>> strip_legacy_defaults({"retina": {"solved_on": "environment"}})
    {'retina': {'solved_on': 'environment'}}
    """
    for dotted, value in LEGACY_DEFAULTS.items():
        section, key = dotted.split(".")
        table = data.get(section)
        if isinstance(table, dict) and key in table and table[key] == value:
            table.pop(key)
    return data


def protocol_digest(resolved: Mapping[str, Any]) -> str:
    """Digest (16 hex digits) of resolved protocol parameters, bookkeeping keys left out.

    The SHA-256 of the sorted JSON of ``resolved`` after removing the dotted keys in
    :data:`DIGEST_EXCLUDED`. ``resolved`` is a :attr:`Protocol.resolved` mapping or the
    content of a run folder's ``protocol.json``; both give the same digest for the same
    parameters, so a stored run can be checked against a requested one.

    Examples
    --------
    >>> a = {"run": {"max_generations": 300, "log_every": 1}, "experiment": {"name": "x"}}
    >>> b = {"run": {"max_generations": 300, "log_every": 10}, "experiment": {"name": "x"}}
    >>> protocol_digest(a) == protocol_digest(b)
    True
    >>> protocol_digest(a) == protocol_digest({**a, "run": {"max_generations": 301, "log_every": 1}})
    False
    """
    data = strip_legacy_defaults(_jsonable(resolved))
    for dotted in DIGEST_EXCLUDED:
        section, key = dotted.split(".")
        if isinstance(data.get(section), dict):
            data[section].pop(key, None)
    blob = json.dumps(data, indent=2, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- loading
def read_toml(path: str | Path) -> dict:
    """The TOML file at ``path`` as a dict; any failure (missing, not TOML, not UTF-8) raises
    :class:`ProtocolError` naming the file.

    Examples
    --------
    >>> read_toml("original_protocol/ka2005_logic.toml")["experiment"]["kind"]
    'circuits'
    >>> read_toml("no/such/file.toml")
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: no/such/file.toml: protocol file not found
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ProtocolError(f"{path}: protocol file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"{path}: not UTF-8 text (byte {exc.start}): not a TOML file") from None
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _treatment_tables(source: str, data: dict) -> dict:
    """The ``[treatments]`` table, checked: each entry a table under a safe name."""
    treatments = data.get("treatments", {})
    if not isinstance(treatments, dict):
        raise ProtocolError(f"{source}: 'treatments' must be a table of [treatments.<name>] tables")
    for name, table in treatments.items():
        check_name(name, "treatment name", source)
        if not isinstance(table, dict):
            raise ProtocolError(f"{source}: 'treatments.{name}' must be a table of overrides, "
                                f"not {type(table).__name__} {table!r}")
    return treatments


# Top-level tables of a protocol file that are not parameters of a run.
_NOT_PARAMETERS = ("experiment", "treatments", "alternatives")


def alternatives_of(path: str | Path) -> dict[str, list]:
    """The ``[alternatives]`` table: dotted key -> the values a careful reader could defend,
    default first.  Each key must name a parameter and each value must validate.

    Examples
    --------
    >>> alts = alternatives_of("original_protocol/ka2005_logic.toml")
    >>> alts["selection.tie_break"]
    ['index', 'random']
    """
    data = read_toml(path)
    table = data.get("alternatives", {})
    if not isinstance(table, dict):
        raise ProtocolError(f"{path}: [alternatives] must be a table of dotted keys")
    out = {}
    for key, values in table.items():
        if not isinstance(values, list) or len(values) < 2:
            raise ProtocolError(f"{path}: 'alternatives.{key}' must list at least two values, default first")
        base = load_protocol(path, None)
        default = _get_dotted(base.resolved, key, str(path))
        if values[0] != default:
            raise ProtocolError(f"{path}: 'alternatives.{key}' must list the default {default!r} first "
                                f"(it lists {values[0]!r})")
        out[key] = list(values)
    return out


def _get_dotted(data, dotted: str, source: str):
    node = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ProtocolError(f"{source}: no parameter {dotted!r}")
        node = node[part]
    return _jsonable(node)


def treatments_of(path: str | Path) -> list[str]:
    """The names of the ``[treatments.*]`` tables of a protocol file, in file order.

    Examples
    --------
    >>> treatments_of("original_protocol/ka2005_retina.toml")
    ['fixed-and', 'fixed-or', 'mvg', 'mvg-sustained', 'fixed-and-cost']
    """
    return list(_treatment_tables(str(path), read_toml(path)))


def treatment_keys(path: str | Path, treatment: str) -> set[str]:
    """The dotted keys a treatment's own table sets (over the file's tables).

    Examples
    --------
    >>> sorted(treatment_keys("original_protocol/ka2005_logic.toml", "q-only"))[:3]
    ['fitness.objective', 'run.max_generations', 'run.solved_threshold']
    >>> "run.stop" in treatment_keys("original_protocol/ka2005_logic.toml", "mvg")
    False
    """
    table = _treatment_tables(str(path), read_toml(path)).get(treatment)
    if table is None:
        raise ProtocolError(f"{path}: no treatment {treatment!r}")

    def dotted(node, prefix):
        for k, v in node.items():
            if isinstance(v, dict):
                yield from dotted(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"
    return set(dotted({k: v for k, v in table.items() if k != "description"}, ""))


def default_treatments(path: str | Path) -> list[str]:
    """The treatments run when none is named: ``experiment.default_treatments``, else all.

    Each name must be a treatment of the file (else :class:`ProtocolError`).

    Examples
    --------
    >>> default_treatments("original_protocol/ka2005_retina.toml")
    ['fixed-and', 'mvg']
    >>> set(default_treatments("original_protocol/ka2005_retina.toml")) <= set(
    ...     treatments_of("original_protocol/ka2005_retina.toml"))
    True
    """
    source = str(path)
    data = read_toml(path)
    treatments = _treatment_tables(source, data)
    exp = data.get("experiment", {})
    if not isinstance(exp, dict):
        raise ProtocolError(f"{source}: missing [experiment] table")
    names = exp.get("default_treatments", list(treatments))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ProtocolError(f"{source}: 'experiment.default_treatments' must be a list of treatment names")
    for n in names:
        if n not in treatments:
            raise ProtocolError(f"{source}: 'experiment.default_treatments' names {n!r}, "
                                f"not a treatment (known: {sorted(treatments)})")
    return names


def parse_override(text: str) -> tuple[str, Any]:
    """``section.key=value``; the value is read as TOML (numbers, booleans, lists), else a string.

    Examples
    --------
    >>> parse_override("selection.population=50")
    ('selection.population', 50)
    >>> parse_override("schedule.goals = ['G1', 'G2']"), parse_override("run.stop=never")
    (('schedule.goals', ['G1', 'G2']), ('run.stop', 'never'))
    >>> parse_override("population")
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: override 'population': expected section.key=value
    """
    if "=" not in text:
        raise ProtocolError(f"override {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ProtocolError(f"override {text!r}: expected section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def _merge(base: dict, over: Mapping, where: str) -> None:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            _merge(base[key], value, f"{where}.{key}")
        else:
            base[key] = copy.deepcopy(value)


def _set_dotted(data: dict, dotted: str, value: Any, source: str) -> None:
    parts = dotted.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        if depth == 0 and part in OPTIONAL_SECTIONS and part not in node:
            node[part] = {}                 # switching an optional section on (validated later)
        if not isinstance(node.get(part), dict):
            raise ProtocolError(f"{source}: override {dotted!r}: no section {part!r}")
        node = node[part]
    node[parts[-1]] = value


def load_protocol(path: str | Path, treatment: str | None = None,
                  overrides: list[tuple[str, Any]] | None = None) -> Protocol:
    """Read, merge and validate one experiment's protocol for one treatment.

    The file's tables, then the treatment's table merged over them, then ``overrides``
    (``(dotted key, value)`` pairs, see :func:`parse_override`) set on top; the result is
    checked against the kind's schema (:data:`SCHEMAS`) by :func:`build_protocol`.

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("selection.population", 50),
    ...                                                                  ("selection.elite", 10)])
    >>> p.selection.population, p.selection.elite, p.schedule.goals
    (50, 10, ('G1', 'G2'))
    >>> load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("selection.population", 50)])
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: original_protocol/ka2005_logic.toml: 'selection.elite' = 300 must be at most half of 'selection.population' = 50
    >>> load_protocol("original_protocol/ka2005_logic.toml", "no-such")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...
    """
    source = str(path)
    data = read_toml(path)
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise ProtocolError(f"{source}: missing [experiment] table")
    for key in exp:
        if key not in _EXPERIMENT_KEYS:
            raise ProtocolError(f"{source}: unknown key 'experiment.{key}'")
    for key in ("name", "kind"):
        if not isinstance(exp.get(key), str):
            raise ProtocolError(f"{source}: 'experiment.{key}' must be a string")
    check_name(exp["name"], "'experiment.name'", source)
    kind = exp["kind"]
    if kind not in SCHEMAS:
        raise ProtocolError(f"{source}: 'experiment.kind' = {kind!r}; known kinds: {sorted(SCHEMAS)}")
    schema = SCHEMAS[kind]
    treatments = _treatment_tables(source, data)
    resolved = {k: copy.deepcopy(v) for k, v in data.items() if k not in _NOT_PARAMETERS}
    if treatment is not None:
        check_name(treatment, "treatment name", source)
        if treatment not in treatments:
            raise ProtocolError(f"{source}: no treatment {treatment!r}; known: {sorted(treatments)}")
        over = {k: v for k, v in treatments[treatment].items() if k != "description"}
        for key in over:
            if key not in schema:
                raise ProtocolError(f"{source}: treatment {treatment!r} overrides unknown section {key!r}")
        _merge(resolved, over, f"treatments.{treatment}")
    for dotted, value in overrides or []:
        _set_dotted(resolved, dotted, value, source)

    return build_protocol(source, exp["name"], kind, treatment, resolved)


def build_protocol(source: str, name: str, kind: str, treatment: str | None, resolved: dict) -> Protocol:
    """Validate merged parameter tables and freeze them into a Protocol.

    Examples
    --------
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> q = build_protocol("copy", p.name, p.kind, p.treatment, p.resolved)
    >>> q.digest == p.digest, q.source
    (True, 'copy')
    >>> build_protocol("copy", p.name, "tetris", p.treatment, p.resolved)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: copy: 'experiment.kind' = 'tetris'; known kinds: [...]
    """
    if kind not in SCHEMAS:
        raise ProtocolError(f"{source}: 'experiment.kind' = {kind!r}; known kinds: {sorted(SCHEMAS)}")
    check_name(name, "'experiment.name'", source)
    if treatment is not None:
        check_name(treatment, "treatment name", source)
    schema = SCHEMAS[kind]
    resolved = {k: v for k, v in resolved.items() if k != "experiment"}
    sections = {}
    for sec, spec in schema.items():
        if sec not in resolved and (sec in OPTIONAL_SECTIONS or sec in OPTIONAL_BY_KIND.get(kind, ())):
            sections[sec] = None
            continue
        if sec not in resolved:
            raise ProtocolError(f"{source}: missing section [{sec}]")
        sections[sec] = _build_section(source, sec, spec, resolved[sec])
    for sec in resolved:
        if sec not in schema:
            raise ProtocolError(f"{source}: unknown section [{sec}]")
    _check_cross(source, kind, sections)
    resolved["experiment"] = {"name": name, "kind": kind, "treatment": treatment}
    return Protocol(name=name, kind=kind, treatment=treatment or "", source=source,
                    resolved=MappingProxyType(resolved), sections=MappingProxyType(sections))


def load_run_protocol(run_folder: str | Path) -> Protocol:
    """The resolved protocol a run folder was made with (its ``protocol.json``).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> run = Path(tempfile.mkdtemp()) / "seed-1"
    >>> _ = run_evolution("ka2005_logic", "mvg", 1, run, {"selection.population": 20, "selection.elite": 6,
    ...                                                  "run.max_generations": 2})
    >>> p = load_run_protocol(run)
    >>> p.treatment, p.selection.population, p.run.max_generations
    ('mvg', 20, 2)
    """
    path = Path(run_folder) / "protocol.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except FileNotFoundError:
        raise ProtocolError(f"{path}: not found (not a run folder?)") from None
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ProtocolError(f"{path}: not UTF-8 text: corrupt protocol.json") from None
    except ValueError as exc:           # json.JSONDecodeError and NaN / Infinity constants
        raise ProtocolError(f"{path}: corrupt protocol.json: {exc}") from None
    exp = data.get("experiment") if isinstance(data, dict) else None
    if not isinstance(exp, dict) or not all(isinstance(exp.get(k), str) for k in ("name", "kind")) \
            or not isinstance(exp.get("treatment"), (str, type(None))):
        raise ProtocolError(f"{path}: corrupt protocol.json: no 'experiment' table with name, kind "
                            f"and treatment")
    return build_protocol(str(path), exp["name"], exp["kind"], exp["treatment"], data)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid parameter value")


def _non_finite(value) -> bool:
    """True if ``value`` is (or, for lists, contains) a NaN or infinite float."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(_non_finite(v) for v in value)
    if isinstance(value, Mapping):
        return any(_non_finite(v) for v in value.values())
    return False


def _type_ok(value, typ) -> bool:
    if typ is bool:
        return isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typ is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ is str:
        return isinstance(value, str)
    if typ is tuple:
        return isinstance(value, (list, tuple))
    return isinstance(value, typ)


def _build_section(source: str, name: str, spec, table):
    if spec is dict:
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ProtocolError(f"{source}: [{name}] must map names to strings")
        return MappingProxyType(dict(table))
    if spec is tuple:
        if not isinstance(table, list) or not all(isinstance(v, str) for v in table):
            raise ProtocolError(f"{source}: '{name}' must be a list of strings")
        return tuple(table)
    if not isinstance(table, dict):
        raise ProtocolError(f"{source}: [{name}] must be a table")
    known = {f.name: f for f in dataclasses.fields(spec)}
    for key in table:
        if key not in known:
            raise ProtocolError(f"{source}: unknown key '{name}.{key}' (known: {sorted(known)})")
    values = {}
    for key, f in known.items():
        dotted = f"{name}.{key}"
        if key not in table and dotted not in LEGACY_DEFAULTS:
            raise ProtocolError(f"{source}: missing key '{dotted}' ({f.metadata['doc']})")
        value = table[key] if key in table else LEGACY_DEFAULTS[dotted]
        typ = {"int": int, "float": float, "str": str, "bool": bool, "tuple": tuple}[f.type]
        if _non_finite(value):
            raise ProtocolError(f"{source}: '{dotted}' = {value!r}: NaN and infinite values are not allowed")
        if not _type_ok(value, typ):
            raise ProtocolError(f"{source}: '{dotted}' = {value!r} must be of type {f.type}")
        meta = f.metadata
        if meta["choices"] is not None and value not in meta["choices"]:
            raise ProtocolError(f"{source}: '{dotted}' = {value!r}; allowed: {list(meta['choices'])}")
        if meta["lo"] is not None and value < meta["lo"]:
            raise ProtocolError(f"{source}: '{dotted}' = {value!r} is below {meta['lo']}")
        if meta["hi"] is not None and value > meta["hi"]:
            raise ProtocolError(f"{source}: '{dotted}' = {value!r} is above {meta['hi']}")
        values[key] = tuple(value) if typ is tuple else (float(value) if typ is float else value)
    return spec(**values)


def _check_cross(source: str, kind: str, s: Mapping[str, Any]) -> None:
    """Constraints that involve more than one key."""
    sel = s["selection"]
    if getattr(sel, "elite", 0) * 2 > sel.population:
        raise ProtocolError(f"{source}: 'selection.elite' = {sel.elite} must be at most half of "
                            f"'selection.population' = {sel.population}")
    sched = s["schedule"]
    if not sched.goals:
        raise ProtocolError(f"{source}: 'schedule.goals' is empty")
    if not all(isinstance(g, str) for g in sched.goals):
        raise ProtocolError(f"{source}: 'schedule.goals' = {list(sched.goals)!r} must be a list of goal names")
    _check_goals(source, kind, s)
    for goal in sched.goals:
        if goal not in s["goals"]:
            raise ProtocolError(f"{source}: 'schedule.goals' names {goal!r}, not in [goals]")
    if sched.kind == "fixed" and len(sched.goals) != 1:
        raise ProtocolError(f"{source}: a fixed schedule takes exactly one goal in 'schedule.goals'")
    if kind == "circuits":
        c = s["circuit"]
        if len(s["inputs"]) != c.n_inputs:
            raise ProtocolError(f"{source}: 'inputs' names {len(s['inputs'])} inputs but "
                                f"'circuit.n_inputs' = {c.n_inputs}")
        n_nodes = c.n_inputs + c.n_gates
        op = s["variation"].mutation_operator
        if op in ("bitflip", "bitflip-locus") and n_nodes & (n_nodes - 1):
            raise ProtocolError(f"{source}: 'variation.mutation_operator' = {op!r} needs "
                                f"n_inputs + n_gates to be a power of two (it is {n_nodes})")
        if s.get("initial") is not None:
            _check_initial_circuits(source, c, s["initial"].genomes)
        counts = {len(e.split(";")) for e in s["goals"].values() if e.strip() != "random"}
        if len(counts) > 1:
            raise ProtocolError(f"{source}: [goals]: every goal needs the same number of ';'-separated "
                                f"outputs (found {sorted(counts)})")
    if sel.scheme == "ka2005-elite-offspring" and kind != "retina2005":
        raise ProtocolError(f"{source}: 'selection.scheme' = 'ka2005-elite-offspring' is implemented for "
                            f"the 2005 retina (threshold networks) only")
    if kind == "retina2005":
        net = s["network"]
        if not net.layers or len(net.layers) != len(net.max_fanin) or not all(isinstance(v, int) and v > 0
                                                           for v in list(net.layers) + list(net.max_fanin)):
            raise ProtocolError(f"{source}: 'network.layers' and 'network.max_fanin' must be lists of "
                                f"positive integers of equal length")
        if max(net.max_fanin) > 3 or net.layers[-1] != 1:
            raise ProtocolError(f"{source}: 'network.max_fanin' is at most 3 and the last layer has 1 neuron")
        if net.threshold_min > net.threshold_max:
            raise ProtocolError(f"{source}: 'network.threshold_min' exceeds 'network.threshold_max'")
    if kind == "retina2013":
        net = s["network"]
        if (s["retina"] is None) == (s["task"] is None):
            raise ProtocolError(f"{source}: give either [retina] (the retina's objects) or [task] "
                                f"(inputs and goals of another problem), not both or neither")
        _check_network_2013(source, net, s["task"])
        if s["retina"] is not None:
            _check_objects_2013(source, s["retina"])
        if len(net.weights) != 4 or len(net.x) != len(net.layers) or len(net.y) != len(net.layers) \
                or any(len(xs) != n for xs, n in zip(net.x, net.layers)):
            raise ProtocolError(f"{source}: [network]: 4 weights, and one x list (of layer size) and one y "
                                f"per layer are needed")
        if sel.population % 4:
            raise ProtocolError(f"{source}: 'selection.population' must be a multiple of 4")
    if "modularity" in s:
        if s["modularity"].qmax_elite * 2 > s["modularity"].qmax_population:
            raise ProtocolError(f"{source}: 'modularity.qmax_elite' must be at most half of "
                                f"'modularity.qmax_population'")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_goals(source: str, kind: str, s: Mapping[str, Any]) -> None:
    """Every goal expression parses and uses only the kind's input names."""
    from .tasks import evaluate_expression, full_mask, input_masks
    if kind == "circuits":
        names = tuple(s["inputs"])
        if not 1 <= len(names) <= 6:           # the count is checked against the circuit below
            return
        masks, full = dict(zip(names, input_masks(len(names)))), full_mask(len(names))
    elif kind == "retina2013" and s.get("task") is not None and s.get("retina") is None:   # [task]
        task, n_out = s["task"], s["network"].layers[-1]
        for goal, expression in s["goals"].items():
            parts = expression.split(";")
            if task.kind == "count":
                if not expression.strip().isdigit() or int(expression) > len(task.inputs) or n_out != 1:
                    raise ProtocolError(f"{source}: 'goals.{goal}' = {expression!r}: a count goal is a whole "
                                        f"number 0 .. {len(task.inputs)} (one output)")
                continue
            if len(parts) != n_out:
                raise ProtocolError(f"{source}: 'goals.{goal}' has {len(parts)} expressions for {n_out} outputs")
            masks = {n: 1 << i for i, n in enumerate(task.inputs)}
            for part in parts:
                try:
                    evaluate_expression(part, masks, (1 << len(task.inputs)) - 1)
                except ValueError as exc:
                    raise ProtocolError(f"{source}: 'goals.{goal}': {exc}") from None
        return
    else:                                      # the retinas: left and right object masks
        masks, full = {"L": 0b1100, "R": 0b1010}, 0b1111
    for goal, expression in s["goals"].items():
        if expression.strip() == "random":         # a random function, drawn per run (tasks.py)
            continue
        for part in expression.split(";") if kind == "circuits" else [expression]:   # one per output
            try:
                evaluate_expression(part, masks, full)
            except ValueError as exc:
                raise ProtocolError(f"{source}: 'goals.{goal}': {exc}") from None


def _check_initial_circuits(source: str, circuit, genomes) -> None:
    """Each ``[initial]`` genome fits the circuit genome model (see ``circuits``): 2*n_gates + 1
    integer addresses in 0 .. n_inputs + n_gates - 1, the output gene a gate's address when
    ``circuit.output_source = 'gates'``."""
    n_in, n_gates = circuit.n_inputs, circuit.n_gates
    n_nodes = n_in + n_gates
    length = 2 * n_gates + 1
    if not genomes:
        raise ProtocolError(f"{source}: 'initial.genomes' is empty")
    for k, genome in enumerate(genomes):
        key = f"initial.genomes[{k}]"
        if not isinstance(genome, (list, tuple)) or not all(_is_int(v) for v in genome):
            raise ProtocolError(f"{source}: '{key}' must be a list of integer addresses")
        if len(genome) != length:
            raise ProtocolError(f"{source}: '{key}' has {len(genome)} genes; a circuit of {n_gates} gates "
                                f"has 2 * n_gates + 1 = {length}")
        for pos, v in enumerate(genome):
            if not 0 <= v < n_nodes:
                raise ProtocolError(f"{source}: '{key}' gene {pos} = {v}: addresses run from 0 to "
                                    f"{n_nodes - 1} (n_inputs + n_gates - 1)")
        if circuit.output_source == "gates" and genome[-1] < n_in:
            raise ProtocolError(f"{source}: '{key}': the output gene {genome[-1]} is an input, but "
                                f"'circuit.output_source' = 'gates' (addresses {n_in} .. {n_nodes - 1})")


def _check_network_2013(source: str, net, task=None) -> None:
    if not net.layers or not all(_is_int(v) and v > 0 for v in net.layers):
        raise ProtocolError(f"{source}: 'network.layers' must be a list of positive integers")
    if task is not None:
        if len(net.layers) < 2 or net.layers[0] != len(task.inputs) or not 1 <= net.layers[0] <= 16:
            raise ProtocolError(f"{source}: 'network.layers' = {list(net.layers)}: the first layer is the "
                                f"{len(task.inputs)} inputs named in 'task.inputs' (1 to 16)")
        if len(set(task.inputs)) != len(task.inputs) or not all(n.isidentifier() for n in task.inputs):
            raise ProtocolError(f"{source}: 'task.inputs' must be distinct names (identifiers)")
    elif net.layers[0] != RETINA_PIXELS or net.layers[-1] != 1 or len(net.layers) < 2:
        raise ProtocolError(f"{source}: 'network.layers' = {list(net.layers)}: the first layer is the "
                            f"{RETINA_PIXELS} retina pixels and the last one the single output")
    for key in ("weights", "biases"):
        values = getattr(net, key)
        if not values or not all(_is_int(v) for v in values) or not all(-32768 <= v < 32768 for v in values):
            raise ProtocolError(f"{source}: 'network.{key}' = {list(values)!r} must be a non-empty list "
                                f"of (16-bit) integers")
    if not all(isinstance(xs, (list, tuple)) and all(_is_number(x) for x in xs) for xs in net.x):
        raise ProtocolError(f"{source}: 'network.x' must be one list of numbers per layer")
    if not all(_is_number(y) for y in net.y):
        raise ProtocolError(f"{source}: 'network.y' must be a list of numbers")


def _check_objects_2013(source: str, retina) -> None:
    """Left objects are values of ``s & 0x0F`` (0..15), right objects of ``s & 0xF0``
    (multiples of 16 in 0..240)."""
    for key, allowed in (("left_objects", range(0, 16)), ("right_objects", range(0, 256, 16))):
        values = getattr(retina, key)
        for v in values:
            if not _is_int(v) or v not in allowed:
                raise ProtocolError(f"{source}: 'retina.{key}' holds {v!r}; allowed: "
                                    f"{'0 .. 15 (s & 0x0F)' if key == 'left_objects' else 'multiples of 16 in 0 .. 240 (s & 0xF0)'}")
