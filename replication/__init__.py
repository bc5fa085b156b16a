"""replication: Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013), faithfully and fast.

The Python API (see ``replication.api``)::

    load_runs(folder)                       finished runs -> pandas DataFrame, one row per run
    load_network(run_folder)                a run's network -> networkx DiGraph
    analyse_modularity(graph, protocol)     Q (an experiment's recipe), Qrand, Qm of any graph
    analyse_motifs(graph, size, n_random)   motif census with Z-scores of any graph
    run_evolution(protocol, treatment, seed, out, overrides)   one run, as `replication run`

``replication.catalog`` lists the shipped experiments and treatments and finds protocol files
by name.
"""
__version__ = "0.1.0"

from .api import analyse_modularity, analyse_motifs, load_network, load_runs, run_evolution  # noqa: E402

__all__ = ["__version__", "analyse_modularity", "analyse_motifs", "load_network", "load_runs",
           "run_evolution"]
