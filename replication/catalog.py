"""The shipped protocols: where they are, which experiments and treatments they define.

The protocol files (one ``.toml`` per experiment), ``published.toml`` (the published values, with
their sources) and ``LEDGER.md`` have one source: the repository's ``original_protocol/`` folder.
A source checkout and an editable install read that folder; a built package (``pip install .``)
carries a copy of it inside the package, ``replication/original_protocol/``, made at build time
(``setup.py``).  Everything else asks this module for paths, so no code depends on where the
package lives.

Examples
--------
>>> from replication import catalog
>>> "ka2005_logic" in catalog.experiments()
True
>>> catalog.protocol_path("ka2005_logic").name
'ka2005_logic.toml'
>>> sorted(catalog.treatments("ka2005_logic"))[:3]
['decay-g2', 'fixed-g1', 'fixed-g1-cost']
>>> catalog.published_path().name
'published.toml'
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .protocol import ProtocolError, read_toml

_PACKAGE = Path(__file__).resolve().parent
#: the repository's folder (source checkout, editable install)
REPOSITORY_DIR = _PACKAGE.parent / "original_protocol"
#: the copy a built package carries (see setup.py)
PACKAGED_DIR = _PACKAGE / "original_protocol"
#: files of the protocol folder that are not experiments
NOT_EXPERIMENTS = frozenset({"published"})


def protocol_dir() -> Path:
    """The folder holding the protocol files, ``published.toml`` and ``LEDGER.md``.

    The repository's ``original_protocol/`` when the package runs from a source tree (checkout or
    editable install), else the copy shipped inside the installed package.

    Raises
    ------
    ProtocolError
        If neither exists (a package built without its protocol files).

    Examples
    --------
    >>> {"clune2013_retina.toml", "ka2005_logic.toml"} <= {p.name for p in protocol_dir().glob("*.toml")}
    True
    >>> (protocol_dir() / "LEDGER.md").is_file()
    True
    """
    for folder in (REPOSITORY_DIR, PACKAGED_DIR):
        if (folder / "published.toml").is_file():
            return folder
    raise ProtocolError(f"no protocol folder: neither {REPOSITORY_DIR} nor {PACKAGED_DIR} holds "
                        f"published.toml (was the package built without its data? see setup.py)")


def published_path() -> Path:
    """Path of ``published.toml``, the published values the replication is compared with.

    Examples
    --------
    >>> published_path().parent == protocol_dir()
    True
    >>> "[" in published_path().read_text()          # a TOML file of tables, one per claim
    True
    """
    return protocol_dir() / "published.toml"


def ledger_path() -> Path:
    """Path of ``LEDGER.md``: every parameter's source and status (stated, inferred, chosen).

    Examples
    --------
    >>> ledger_path().name, ledger_path().is_file()
    ('LEDGER.md', True)
    """
    return protocol_dir() / "LEDGER.md"


def experiments() -> list[str]:
    """Names of the shipped experiments (their protocol files' stems), sorted.

    ``published.toml`` is not an experiment.

    Examples
    --------
    >>> experiments()
    ['clune2013_hxor', 'clune2013_nonmodular', 'clune2013_retina', 'clune2013_xor5', 'ka2005_logic', 'ka2005_logic6', 'ka2005_retina']
    """
    return sorted(p.stem for p in protocol_dir().glob("*.toml") if p.stem not in NOT_EXPERIMENTS)


def protocol_path(name_or_path: str | Path) -> Path:
    """The protocol file for an experiment name (``"ka2005_logic"``) or a path to a ``.toml`` file.

    An existing file is taken as it is (so a protocol of one's own works as well as a shipped
    one); otherwise the name, with or without ``.toml``, is looked up among :func:`experiments`.

    Raises
    ------
    ProtocolError
        If it is neither an existing file nor a shipped experiment; the message lists the names.

    Examples
    --------
    >>> protocol_path("ka2005_retina.toml") == protocol_path("ka2005_retina")
    True
    >>> protocol_path("no_such_experiment")
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: no_such_experiment: neither a file nor a shipped experiment (known: clune2013_hxor, ..., ka2005_retina)
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    name = path.name[:-5] if path.name.endswith(".toml") else path.name
    if path.parent == Path(".") and name in experiments():
        return protocol_dir() / f"{name}.toml"
    raise ProtocolError(f"{name_or_path}: neither a file nor a shipped experiment "
                        f"(known: {', '.join(experiments())})")


@dataclass(frozen=True)
class Experiment:
    """One protocol file's experiment: its name, kind, description and treatments.

    Attributes
    ----------
    name : str, the experiment's name (``[experiment] name``)
    kind : str, the genome kind (``circuits``, ...), which picks the genome model
    description : str
    path : Path, the protocol file
    treatments : dict, treatment name -> description (its overrides when it has none)
    default_treatments : tuple, what ``replication replicate`` runs when no treatment is named

    Examples
    --------
    >>> e = experiment("ka2005_logic")
    >>> e.name, e.kind, e.path.name
    ('ka2005_logic', 'circuits', 'ka2005_logic.toml')
    >>> set(e.default_treatments) <= set(e.treatments)
    True
    """
    name: str
    kind: str
    description: str
    path: Path
    treatments: dict            # treatment name -> description (its overrides when it has none)
    default_treatments: tuple   # the treatments `replication replicate` runs when none is named


def experiment(name_or_path: str | Path) -> Experiment:
    """The :class:`Experiment` a protocol file defines (by name or path).

    Reads the file's ``[experiment]`` and ``[treatments]`` tables only (no validation of the
    parameters: :func:`replication.protocol.load_protocol` does that).

    Examples
    --------
    >>> experiment("ka2005_logic").default_treatments
    ('fixed-g1', 'fixed-g2', 'mvg')
    >>> experiment("original_protocol/ka2005_logic.toml").treatments == experiment("ka2005_logic").treatments
    True
    """
    path = protocol_path(name_or_path)
    data = read_toml(path)
    exp = data.get("experiment", {})
    treatments = {t: str(spec.get("description", "")) or _overrides_text(spec)
                  for t, spec in data.get("treatments", {}).items()}
    return Experiment(name=exp.get("name", path.stem), kind=exp.get("kind", ""),
                      description=exp.get("description", ""), path=path, treatments=treatments,
                      default_treatments=tuple(exp.get("default_treatments", treatments)))


def _overrides_text(spec: dict, prefix: str = "") -> str:
    """A treatment's overrides as ``section.key = value; ...`` (for treatments without a description)."""
    parts = []
    for key, value in spec.items():
        if isinstance(value, dict):
            parts.append(_overrides_text(value, f"{prefix}{key}."))
        elif key != "description":
            parts.append(f"{prefix}{key} = {value!r}")
    return "; ".join(p for p in parts if p)


def treatments(name_or_path: str | Path) -> dict[str, str]:
    """Treatment name -> description, in file order (a treatment without one: its overrides).

    Examples
    --------
    >>> treatments("ka2005_logic")["mvg"]
    'modularly varying goals: G1, G2, G1, ... every 20 generations'
    """
    return experiment(name_or_path).treatments
