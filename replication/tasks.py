"""Goals as truth tables over all inputs, and goal schedules (fixed, MVG).

A goal is a Boolean expression over named inputs, e.g. ``(X ^ Y) & (Z ^ W)``, using
``^`` (XOR), ``&`` (AND), ``|`` (OR), ``~`` (NOT) and parentheses.  Over ``n`` inputs
there are ``2**n`` input rows; row ``r`` gives input ``i`` (``i = 0`` is the first name,
the most significant bit) the value ``(r >> (n - 1 - i)) & 1``.  A truth table is an
integer whose bit ``r`` is the goal's value on row ``r``: with at most 6 inputs it fits
one 64-bit word, so a circuit is scored against a goal with a handful of bit operations.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

MAX_INPUTS = 6


def input_masks(n_inputs: int) -> list[int]:
    """Bitmask of the rows on which each input is 1 (first input = most significant)."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"between 1 and {MAX_INPUTS} inputs are supported, not {n_inputs}")
    rows = 1 << n_inputs
    masks = []
    for i in range(n_inputs):
        shift = n_inputs - 1 - i
        masks.append(sum(1 << r for r in range(rows) if (r >> shift) & 1))
    return masks


def full_mask(n_inputs: int) -> int:
    return (1 << (1 << n_inputs)) - 1


_OPS = {ast.BitXor: lambda a, b: a ^ b, ast.BitAnd: lambda a, b: a & b,
        ast.BitOr: lambda a, b: a | b}


def truth_table(expression: str, names: tuple[str, ...] | list[str]) -> int:
    """Truth table (bitmask over rows) of a Boolean expression over the given input names.

    >>> bin(truth_table("X ^ Y", ("X", "Y")))
    '0b110'
    """
    names = tuple(names)
    return evaluate_expression(expression, dict(zip(names, input_masks(len(names)))),
                               full_mask(len(names)))


def evaluate_expression(expression: str, masks: dict[str, int], full: int) -> int:
    """Value of a Boolean expression whose names stand for bitmasks (one bit per input row).

    Raises ``ValueError`` naming the expression for a syntax error, an unknown name or an
    operator other than ``^ & | ~`` (Python's ``and``, ``or``, ``not``, comparisons,
    arithmetic and calls are refused).

    Examples
    --------
    >>> evaluate_expression("~(A & B)", {"A": 0b1100, "B": 0b1010}, 0b1111)
    7
    >>> evaluate_expression("A and B", {"A": 0b1100, "B": 0b1010}, 0b1111)
    Traceback (most recent call last):
    ...
    ValueError: goal 'A and B': unsupported operator 'and'; only names, ^ & | ~, 0, 1 and parentheses are allowed
    """
    if not isinstance(expression, str):
        raise ValueError(f"goal {expression!r} must be a string")
    shown = repr(expression if len(expression) <= 80 else expression[:77] + "...")
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"goal {shown} is not a valid expression: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError) as exc:     # null bytes, absurd nesting
        raise ValueError(f"goal {shown} is not a valid expression: {exc}") from None

    def refuse(what: str):
        raise ValueError(f"goal {shown}: unsupported {what}; "
                         f"only names, ^ & | ~, 0, 1 and parentheses are allowed")

    def value(node) -> int:
        if isinstance(node, ast.Name):
            if node.id not in masks:
                raise ValueError(f"goal {shown}: unknown name {node.id!r} (known: {sorted(masks)})")
            return masks[node.id]
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _OPS:
                refuse(f"operator {_SYMBOLS.get(type(node.op), type(node.op).__name__)!r}")
            return _OPS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Invert):
                refuse(f"operator {_SYMBOLS.get(type(node.op), type(node.op).__name__)!r}")
            return full & ~value(node.operand)
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in (0, 1):
            return full if node.value else 0
        if isinstance(node, ast.BoolOp):
            refuse(f"operator {'and' if isinstance(node.op, ast.And) else 'or'!r}")
        if isinstance(node, ast.Compare):
            refuse("comparison")
        if isinstance(node, ast.Constant):
            refuse(f"constant {node.value!r}")
        refuse(f"construct {type(node).__name__!r}")

    try:
        return value(tree) & full
    except RecursionError:
        raise ValueError(f"goal {shown}: nested too deeply") from None


_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
            ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@", ast.Not: "not",
            ast.USub: "-", ast.UAdd: "+"}


@dataclass(frozen=True)
class Schedule:
    """Which goal is in force at each generation.

    ``fixed``: always the first goal.  ``mvg``: the goals in turn, each for ``epoch``
    generations, starting with the first (generations 0..epoch-1 -> goal 0, ...).
    """
    kind: str
    goals: tuple[str, ...]
    epoch: int

    def index_at(self, generation: int) -> int:
        if self.kind == "fixed":
            return 0
        return (generation // self.epoch) % len(self.goals)

    def goal_at(self, generation: int) -> str:
        return self.goals[self.index_at(generation)]


def schedule_from(protocol) -> Schedule:
    s = protocol.schedule
    return Schedule(kind=s.kind, goals=tuple(s.goals), epoch=s.epoch)
