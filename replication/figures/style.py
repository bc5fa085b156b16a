"""What every figure shares: one colour per treatment, saving with a caption, reading run logs.

Every figure writes ``<name>.png``, ``<name>.pdf`` and ``<name>.sources.json``; the JSON holds
the figure's ``caption`` (what is drawn, n per treatment, what bars and bands mean, what still
differs from the paper's figure) and the run folders it was made from.
"""
from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# One colour per treatment, the same in every figure.  Fixed goals are grey/blue, MVG is orange,
# connection costs green; the treatment name is the key (the same name in two experiments means
# the same manipulation there, so it keeps its colour).
PALETTE: dict[str, str] = {
    # Kashtan & Alon 2005
    "fixed-g1": "#566573", "fixed-and": "#566573",        # fixed goal (main): slate grey
    "fixed-g2": "#2e86c1", "fixed-or": "#2e86c1",         # fixed goal (other): blue
    "mvg": "#e67e22",                                     # modularly varying goals: orange
    "mvg-sustained": "#8e44ad",                           # MVG run on after solution: purple
    "decay-g2": "#c0392b",                                # Fig. 3 decay: red
    "fixed-g1-cost": "#17a589", "fixed-and-cost": "#17a589",  # fixed goal + connection cost: teal
    "mvg-cost": "#a04000",                                # MVG + connection cost: brown
    # Clune, Mouret & Lipson 2013
    "pa": "#2c3e50",                                      # performance alone: near black
    "pcc": "#27ae60",                                     # performance + connection cost: green
    "pcc-nc": "#82e0aa",                                  # cost = number of connections: light green
    "pro": "#a6acaf",                                     # random second objective: light grey
    "pcc-randcoords": "#1e8449",                          # P&CC with random input coordinates
    "pa-or": "#5d6d7e", "pcc-or": "#52be80",
    "mvg-pa": "#2874a6",                                  # MVG alone: blue (paper Fig. 4b: blue)
    "mvg-pcc": "#f39c12",                                 # MVG + P&CC: amber
}
_SPARE = ["#7d3c98", "#b7950b", "#cb4335", "#148f77", "#6e2c00", "#1b4f72", "#943126", "#0e6251"]
PUBLISHED_STYLE = {"color": "black", "marker": "D", "mfc": "white"}   # published values, everywhere

LABELS = {"pa": "PA", "pcc": "P&CC", "pcc-nc": "P&CC-NC", "pro": "P&RO", "mvg-pa": "MVG + PA",
          "mvg-pcc": "MVG + P&CC"}


def treatment_colour(treatment: str) -> str:
    """The treatment's colour in every figure.

    Switching-period variants (``mvg-pa-e100``) take their family's colour; a treatment not in
    :data:`PALETTE` gets a fixed spare colour chosen from its name (never from its position).

    Examples
    --------
    >>> treatment_colour("mvg") != treatment_colour("mvg-sustained")
    True
    >>> treatment_colour("mvg-pcc-e100") == treatment_colour("mvg-pcc")
    True
    >>> treatment_colour("something-new") == treatment_colour("something-new")
    True
    """
    if treatment in PALETTE:
        return PALETTE[treatment]
    base, _, period = treatment.rpartition("-e")
    if base in PALETTE and period.isdigit():
        return PALETTE[base]
    return _SPARE[zlib.crc32(treatment.encode()) % len(_SPARE)]


def treatment_label(treatment: str, n: int | None = None) -> str:
    """Legend text: the paper's name of the treatment, with n when given.

    Examples
    --------
    >>> treatment_label("mvg")
    'mvg'
    >>> treatment_label("pcc", 50)
    'P&CC (n = 50)'
    """
    name = LABELS.get(treatment, treatment)
    return name if n is None else f"{name} (n = {n})"


def treatment_order(treatments) -> list[str]:
    """Treatments in palette order (unknown ones last, alphabetically).

    Examples
    --------
    >>> treatment_order(["zeta", "mvg", "alpha", "fixed-g1"])
    ['fixed-g1', 'mvg', 'alpha', 'zeta']
    """
    known = list(PALETTE)
    return sorted(treatments, key=lambda t: (known.index(t) if t in known else len(known), t))


def save_figure(fig, out_dir: Path, name: str, sources, caption: str, note: str = "") -> list[Path]:
    """Write PNG, PDF and ``<name>.sources.json`` (figure, caption, note, runs); return the paths.

    The figure is closed afterwards; ``sources`` (run folders) are recorded once each, sorted.

    Examples
    --------
    >>> import tempfile, json
    >>> fig, ax = plt.subplots(); _ = ax.plot([0, 1], [1, 0])
    >>> paths = save_figure(fig, Path(tempfile.mkdtemp()), "demo", ["b", "a", "b"], "A line.")
    >>> [p.name for p in paths]
    ['demo.png', 'demo.pdf', 'demo.sources.json']
    >>> json.loads(paths[2].read_text())["runs"]
    ['a', 'b']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, pdf, src = (out_dir / f"{name}.{ext}" for ext in ("png", "pdf", "sources.json"))
    desc = f"{name}: made from {len(set(sources))} run folder(s); see {src.name}"
    fig.savefig(png, dpi=130, bbox_inches="tight", metadata={"Description": desc})
    fig.savefig(pdf, bbox_inches="tight")
    plt.close(fig)
    src.write_text(json.dumps({"figure": name, "caption": caption, "note": note,
                               "runs": sorted(set(map(str, sources)))}, indent=1) + "\n")
    return [png, pdf, src]


def read_log(folder) -> dict[str, np.ndarray]:
    """``log.csv`` of a run folder as columns (numbers as floats, empty cells as NaN).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "log.csv").write_text("generation,q_best,goal\\n0,0.25,G1\\n1,,G2\\n")
    >>> log = read_log(d)
    >>> log["generation"].tolist(), np.isnan(log["q_best"]).tolist(), log["goal"].tolist()
    ([0.0, 1.0], [False, True], ['G1', 'G2'])
    """
    with open(Path(folder) / "log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for key in (rows[0] if rows else {}):
        try:
            out[key] = np.array([float(r[key]) if r[key] != "" else np.nan for r in rows])
        except ValueError:
            out[key] = np.array([r[key] for r in rows])
    return out


def by_treatment(results) -> dict[str, list[dict]]:
    """Results grouped by their ``treatment`` (in first-seen order, runs in input order).

    Examples
    --------
    >>> groups = by_treatment([{"treatment": "mvg", "seed": 1}, {"treatment": "pa", "seed": 1},
    ...                        {"treatment": "mvg", "seed": 2}])
    >>> {t: [r["seed"] for r in rs] for t, rs in groups.items()}
    {'mvg': [1, 2], 'pa': [1]}
    """
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(r["treatment"], []).append(r)
    return groups


def n_text(groups: dict[str, list]) -> str:
    """'fixed-g1 n = 50, mvg n = 50' in palette order.

    Examples
    --------
    >>> n_text({"pcc": [1, 2, 3], "pa": [1, 2]})
    'PA n = 2, P&CC n = 3'
    """
    return ", ".join(f"{treatment_label(t)} n = {len(groups[t])}" for t in treatment_order(groups))
