"""Does each conclusion depend on our choices?  The same experiment under every defensible reading.

Every protocol file has an ``[alternatives]`` table: for each key whose ledger status is
inferred or chosen (and each paper-vs-code disagreement), the values a careful reader could
defend, default first.  A *variant* sets one key (or, with ``pairs``, two keys) to a
non-default value and leaves every other key at its default.  Each variant's runs are
ordinary runs under ``<runs>/<experiment>/multiverse/<key>=<value>/<treatment>/seed-N/``
(the default reading reuses the experiment's own runs), and every published claim of the
experiment is evaluated on each variant with the report's verdict rules; the result is
``<runs>/<experiment>/multiverse.csv`` with one row per (variant, claim).

Examples
--------
>>> vs = variants("original_protocol/ka2005_logic.toml", keys=["selection.tie_break"])
>>> [(v.label, v.overrides) for v in vs]
[('default', ()), ('selection.tie_break=random', (('selection.tie_break', 'random'),))]
"""
from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from .parallel import RunSpec
from .protocol import ProtocolError, alternatives_of, load_protocol
from .store import write_atomic

COLUMNS = ["key", "value", "treatment", "claim", "published", "ours", "n", "verdict", "effect"]


@dataclass(frozen=True)
class Variant:
    """One reading: its overrides (empty for the default) and a folder-safe label."""
    overrides: tuple = ()

    @property
    def label(self) -> str:
        if not self.overrides:
            return "default"
        return ",".join(f"{k}={_fmt(v)}" for k, v in self.overrides)

    @property
    def key(self) -> str:
        return "+".join(k for k, _ in self.overrides) or "default"

    @property
    def value(self) -> str:
        return "+".join(_fmt(v) for _, v in self.overrides) or "default"


def _fmt(value) -> str:
    return json.dumps(value, separators=(",", ":")) if not isinstance(value, str) else value


def variants(protocol_path, keys=None, pairs=()) -> list[Variant]:
    """The default reading, then one variant per non-default value of each selected key, then
    (for the keys named in ``pairs``) every pair of non-default values of two of them."""
    alts = alternatives_of(protocol_path)
    keys = list(alts) if not keys else list(keys)
    unknown = [k for k in list(keys) + list(pairs) if k not in alts]
    if unknown:
        raise ProtocolError(f"{protocol_path}: no [alternatives] for {unknown}; known: {sorted(alts)}")
    out = [Variant()]
    for k in keys:
        out += [Variant(((k, v),)) for v in alts[k][1:]]
    for a, b in itertools.combinations(list(dict.fromkeys(pairs)), 2):
        out += [Variant(((a, va), (b, vb))) for va in alts[a][1:] for vb in alts[b][1:]]
    return out


def variant_dir(runs_root, experiment: str, variant: Variant) -> Path:
    """Where a variant's runs live (the default reading: the experiment folder itself)."""
    base = Path(runs_root) / experiment
    return base if not variant.overrides else base / "multiverse" / variant.label


def plan(protocol_path, variant_list, treatments, seeds, runs_root, sets=()) -> list[RunSpec]:
    """The runs of every variant x treatment x seed (``sets`` apply to all of them)."""
    specs = []
    for v in variant_list:
        for t in treatments:
            overrides = list(sets) + list(v.overrides)
            protocol = load_protocol(protocol_path, t, overrides)
            folder = variant_dir(runs_root, protocol.name, v)
            specs += [RunSpec.of(protocol, s, folder / t / f"seed-{s}", overrides)
                      for s in seeds]
    return specs


def results_of(folder: Path, treatments, seeds) -> list[dict]:
    """Finished results of these treatments and seeds under a variant folder."""
    from .store import read_json
    out = []
    for t in treatments:
        for s in seeds:
            path = Path(folder) / t / f"seed-{s}" / "result.json"
            if path.exists():
                out.append({**read_json(path), "_folder": str(path.parent)})
    return out


def rows_for(variant: Variant, evaluated: list[dict]) -> list[dict]:
    """multiverse.csv rows of one variant from evaluated claims (dicts with claim, treatment,
    published, ours, n, verdict, effect)."""
    return [{"key": variant.key, "value": variant.value, **{c: e.get(c, "") for c in COLUMNS[2:]}}
            for e in evaluated]


def write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    write_atomic(Path(path), buf.getvalue())


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def holds_table(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """claim -> (readings under which it is reproduced or holds in direction, readings tested)."""
    out: dict[str, list[int]] = {}
    for r in rows:
        ok = r["verdict"].startswith("reproduced") or r["verdict"].startswith("same direction")
        cell = out.setdefault(r["claim"], [0, 0])
        cell[0] += ok
        cell[1] += 1
    return {k: (a, b) for k, (a, b) in out.items()}
