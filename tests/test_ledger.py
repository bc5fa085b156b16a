"""The parameter ledger (``original_protocol/LEDGER.md``) and the protocols' ``[alternatives]``
tables agree (issue 12).

- Every ledger row whose status is *inferred* or *chosen* says which other values a careful
  reader could defend: either they are in the protocol's ``[alternatives]`` table (and the
  multiverse runs them), or the row says why there is none, or why it is not run.  The test
  asks for the word "alternative" in such a row (``Alternatives: in [alternatives] (...)``,
  ``No alternative in the multiverse: ...``, ``Candidate alternative, not run: ...``).
- Every key of every protocol's ``[alternatives]`` table has a row in the ledger: its full
  dotted key anywhere, or its last part in a table row of that experiment's section.

Only the ledger and the TOML files are read: no network, no runs.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from replication.protocol import alternatives_of

ROOT = Path(__file__).resolve().parents[1]
PROTOCOLS = ROOT / "original_protocol"
LEDGER = PROTOCOLS / "LEDGER.md"

UNCERTAIN = re.compile(r"\b(inferred|chosen)\b", re.IGNORECASE)
SEPARATOR = re.compile(r"^\|\s*:?-{3,}")


def _cells(line: str) -> list[str]:
    """The cells of a markdown table row (``\\|`` is a pipe inside a cell)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _status_rows(lines: list[str]) -> list[tuple[int, list[str], str]]:
    """(line number, cells, status cell) of every row of every table with a ``status`` column."""
    rows = []
    status_col = None
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            status_col = None                          # a table ends at its first non-row line
            continue
        if SEPARATOR.match(line):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if SEPARATOR.match(nxt):                       # a header row starts a new table
            names = [c.lower() for c in _cells(line)]
            status_col = names.index("status") if "status" in names else None
            continue
        if status_col is not None:
            cells = _cells(line)
            if status_col < len(cells):
                rows.append((i + 1, cells, cells[status_col]))
    return rows


def _sections(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The ledger's ``## `` sections: (every heading inside, ``## `` and ``### ``, joined; lines)."""
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("## "):
            out.append((line, []))
        elif out:
            if line.startswith("### "):
                out[-1] = (out[-1][0] + "\n" + line, out[-1][1])
            out[-1][1].append(line)
    return out


def _protocols_with_alternatives() -> list[Path]:
    paths = []
    for path in sorted(PROTOCOLS.glob("*.toml")):
        with open(path, "rb") as f:
            if "alternatives" in tomllib.load(f):
                paths.append(path)
    return paths


def test_every_inferred_or_chosen_row_names_its_alternatives():
    """A row whose status is inferred or chosen mentions "alternative" (issue 12's rule)."""
    lines = LEDGER.read_text(encoding="utf-8").split("\n")
    rows = _status_rows(lines)
    uncertain = [(n, cells) for n, cells, status in rows if UNCERTAIN.search(status)]
    assert len(rows) > 100 and len(uncertain) > 50, "the ledger's tables were not found"
    missing = [f"line {n}: {cells[0]}" for n, cells in uncertain
               if "alternative" not in " ".join(cells).lower()]
    assert not missing, ("ledger rows with status inferred/chosen that do not say which alternative "
                         "values a careful reader could defend (in [alternatives], or why none / why "
                         "not run):\n" + "\n".join(missing))


@pytest.mark.parametrize("path", _protocols_with_alternatives(), ids=lambda p: p.name)
def test_every_alternatives_key_is_in_the_ledger(path):
    """Each key of a protocol's [alternatives] table appears in the ledger."""
    text = LEDGER.read_text(encoding="utf-8")
    lines = text.split("\n")
    # the experiment's section: the `## ` section with a heading (## or ###) naming its file
    own = [body for headings, body in _sections(lines) if path.name in headings]
    assert own, f"no section of LEDGER.md names {path.name} in a heading"
    own_rows = [line for body in own for line in body if line.startswith("|")]
    alternatives = alternatives_of(path)
    assert alternatives, f"{path.name}: empty [alternatives] table"
    missing = []
    for key in alternatives:
        last = key.rsplit(".", 1)[-1]
        full = re.compile(rf"(?<![\w.]){re.escape(key)}(?!\w)")
        part = re.compile(rf"(?<![\w]){re.escape(last)}(?!\w)")
        if not full.search(text) and not any(part.search(row) for row in own_rows):
            missing.append(key)
    assert not missing, f"{path.name}: [alternatives] keys without a ledger row: {missing}"
