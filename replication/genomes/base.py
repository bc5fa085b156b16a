"""The genome interface every experiment's genome model implements, and its evaluation record.

A *genome model* binds a protocol's parameters to the numba kernels of one kind of genome.
The generation loop and the algorithms (2005 elite scheme, stochastic NSGA-II) talk to it
only through this interface; the selection schemes see fitness / objective arrays only.

=====================  ==================================================================
``kind``               the protocol's ``experiment.kind`` this model serves
``gene_dtype``         dtype of a population array (one genome per row)
``n_rows``             input patterns per goal (16 for 4-input circuits, 256 for retinas)
``targets(exprs)``     goal expressions -> the model's stacked target representation
``start_run(seed)``    per-run set-up drawn from the run's streams (e.g. a fixed sample)
``random(n)``          ``n`` random genomes (draws from numba's seeded generator)
``evaluate(pop, t)``   -> :class:`Evaluation` (correct answers per goal, sizes, outputs)
``fitness(ev, gi, t)`` the 2005 scheme's scalar fitness on goal ``gi`` (penalties included)
``size_penalty(n)``    the fitness lost by ``n`` effective nodes
``vary(pop, mask)``    crossover / mutation in place of the rows where ``mask`` is true
``edges(genome)``      the phenotype's directed edges (node addresses, from 0)
``to_networkx(g)``     the phenotype as a DiGraph with node attributes kind, layer, label
``output_node(g)``     the node driving the output (address, from 0)
``population_q(pop, protocol)``  Q of every genome (numba), for Qmax calibration
``modularity_graph(g, protocol)`` the graph the protocol's Q recipe is computed on
``describe(g, ev, i)`` what result.json records about the best genome
=====================  ==================================================================

Examples
--------
>>> import numpy as np
>>> ev = Evaluation(correct=np.array([[16, 8]]), outputs=np.zeros(1), n_effective=np.array([11]))
>>> ev.correct[:, 1].tolist(), ev.n_effective.tolist()
([8], [11])
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Evaluation:
    """What evaluating a population gives, for every genome (row).

    Attributes
    ----------
    correct : ndarray, shape (n, n_goals)
        Number of input patterns answered right on each goal (all patterns).
    outputs : ndarray
        The model's raw outputs (bit masks or per-pattern values).
    n_effective : ndarray or None
        Effective size (gates / neurons with a path to the output), where defined.
    extra : dict
        Model-specific arrays other steps need (e.g. ``connections`` for a cost).

    Examples
    --------
    >>> ev = Evaluation(correct=np.array([[16, 12], [10, 16]]), outputs=np.zeros(2))
    >>> ev.correct.max(axis=1).tolist(), ev.n_effective, ev.extra
    ([16, 16], None, {})
    """
    correct: np.ndarray
    outputs: np.ndarray
    n_effective: np.ndarray | None = None
    extra: dict = field(default_factory=dict)
