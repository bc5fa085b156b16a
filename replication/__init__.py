"""replication: Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013), faithfully and fast.

The Python API (see ``replication.api``)::

    load_runs(folder)                       finished runs -> pandas DataFrame, one row per run
    load_network(run_folder)                a run's network -> networkx DiGraph
    analyse_modularity(graph, protocol)     Q (an experiment's recipe), Qrand, Qm of any graph
    analyse_motifs(graph, size, n_random)   motif census with Z-scores of any graph
    run_evolution(protocol, treatment, seed, out, overrides)   one run, as `replication run`

``replication.catalog`` lists the shipped experiments and treatments and finds protocol files
by name.  The API is loaded on first use, so ``import replication.<module>`` stays light.
"""
from ._version import __version__

_API = ("analyse_modularity", "analyse_motifs", "load_network", "load_runs", "run_evolution")
__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'replication' has no attribute {name!r}")
