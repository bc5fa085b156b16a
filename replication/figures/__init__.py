"""One function per replicated paper figure, reading run folders only.

Every function takes the runs folder and the output folder, writes ``<name>.png``,
``<name>.pdf`` and ``<name>.sources.json`` (the caption and the run folders it was made from)
and returns the paths it wrote, or [] when the runs it needs are not there.  Colours come from
one table keyed by treatment (:data:`PALETTE`).
"""
from __future__ import annotations

from pathlib import Path

from . import clune2013, ka2005
from .drawing import draw_network, draw_subgraph, module_layout, read_partition, read_run_network
from .style import PALETTE, save_figure, treatment_colour, treatment_label

__all__ = ["ALL", "PALETTE", "draw_network", "draw_subgraph", "make_all", "module_layout",
           "read_partition", "read_run_network", "save_figure", "treatment_colour", "treatment_label"]

ALL = {
    "ka2005_fig1ab": lambda runs, out: ka2005.fitness_traces(runs, out, "ka2005_logic"),
    "ka2005_retina_fitness": lambda runs, out: ka2005.fitness_traces(runs, out, "ka2005_retina"),
    "ka2005_fig1cd": lambda runs, out: ka2005.motif_z_figure(runs, out, "ka2005_logic",
                                                             "ka2005_logic_fig1cd_motifs"),
    "ka2005_fig5d": lambda runs, out: ka2005.motif_z_figure(runs, out, "ka2005_retina",
                                                            "ka2005_retina_fig5d_motifs", sizes=("4",)),
    "ka2005_fig2": ka2005.fig2,
    "ka2005_fig3": ka2005.fig3,
    "ka2005_fig4": ka2005.fig4,
    "ka2005_fig5bc": ka2005.fig5bc,
    "ka2005_logic_qm": lambda runs, out: ka2005.qm_figure(runs, out, "ka2005_logic"),
    "ka2005_retina_qm": lambda runs, out: ka2005.qm_figure(runs, out, "ka2005_retina"),
    "clune2013_fig2cd": clune2013.fig2cd,
    "clune2013_fig2ef": clune2013.fig2ef,
    "clune2013_fig2gh": clune2013.fig2gh,
    "clune2013_fig4a": clune2013.fig4a,
    "clune2013_fig4b": clune2013.fig4b,
    "clune2013_fig3": clune2013.fig3,
    "clune2013_fig5": clune2013.fig5,
    "clune2013_fig6": clune2013.fig6,
}


def _has_runs(runs: Path) -> bool:
    return any(runs.glob("*/*/seed-*/result.json")) or any(runs.glob("*/adapt/*/net-*/rep-*/result.json"))


def make_all(runs, out, only=None) -> dict[str, list[Path]]:
    """Every figure in :data:`ALL` (or those named in ``only``) from the runs folder ``runs``.

    Raises FileNotFoundError when ``runs`` does not exist and ValueError when it holds no
    finished run (``<experiment>/<treatment>/seed-N/result.json``), so that an empty folder never
    silently yields an empty set of figures; a figure whose runs are missing is skipped ([]).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for t in ("fixed-g1", "mvg"):
    ...     _ = run_evolution("ka2005_logic", t, 1, root / "ka2005_logic" / t / "seed-1", small)
    >>> made = make_all(root, root / "figures", only=["ka2005_fig1ab", "clune2013_fig2cd"])
    >>> [p.name for p in made["ka2005_fig1ab"]], made["clune2013_fig2cd"]
    (['ka2005_logic_fig1ab_fitness.png', 'ka2005_logic_fig1ab_fitness.pdf', 'ka2005_logic_fig1ab_fitness.sources.json'], [])
    >>> make_all(root / "empty", root / "figures")      # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: runs folder ... does not exist: make runs first (replication replicate ...) or pass --runs
    """
    runs, out = Path(runs), Path(out)
    if not runs.is_dir():
        raise FileNotFoundError(f"runs folder {runs} does not exist: make runs first "
                                f"(replication replicate ...) or pass --runs")
    if not _has_runs(runs):
        raise ValueError(f"runs folder {runs} holds no finished runs "
                         f"(no <experiment>/<treatment>/seed-N/result.json): nothing to draw")
    unknown = set(only or ()) - set(ALL)
    if unknown:
        raise ValueError(f"unknown figure(s) {sorted(unknown)}; known: {sorted(ALL)}")
    return {name: fn(runs, out) for name, fn in ALL.items() if not only or name in only}
