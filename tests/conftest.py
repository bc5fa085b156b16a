"""Shared fixtures: hand-built circuits and small protocols."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOGIC = ROOT / "original_protocol" / "ka2005_logic.toml"

X, Y, Z, W = 0, 1, 2, 3


def xor_block(a, b, first):
    """Four NANDs computing a XOR b; gates get addresses first .. first+3 (last = output)."""
    n1 = first
    return [(a, b), (a, n1), (b, n1), (n1 + 1, n1 + 2)]


def modular_gates(goal):
    """The modular solutions of Kashtan & Alon's Fig. 2: two XOR modules + an AND/OR module.

    G1 (AND): NAND of the XORs, then a NOT (10 gates).  G2 (OR): NOT of each XOR, then a
    NAND (11 gates).  Returns (gates, output address) with 4 inputs.
    """
    gates = xor_block(X, Y, 4) + xor_block(Z, W, 8)      # XOR(X,Y) at 7, XOR(Z,W) at 11
    if goal == "G1":
        gates += [(7, 11), (12, 12)]                      # 12 = NAND, 13 = NOT -> AND
        return gates, 13
    gates += [(7, 7), (11, 11), (12, 13)]                 # 12, 13 = NOTs, 14 = NAND -> OR
    return gates, 14


@pytest.fixture
def logic_protocol():
    from replication.protocol import load_protocol

    def make(treatment="fixed-g1", **overrides):
        return load_protocol(LOGIC, treatment, [(k.replace("__", "."), v) for k, v in overrides.items()])
    return make
