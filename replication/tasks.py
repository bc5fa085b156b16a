"""Goals as truth tables over all inputs, and goal schedules (fixed, MVG, random goals).

A goal is a Boolean expression over named inputs, e.g. ``(X ^ Y) & (Z ^ W)``, using
``^`` (XOR), ``&`` (AND), ``|`` (OR), ``~`` (NOT) and parentheses.  Over ``n`` inputs
there are ``2**n`` input rows; row ``r`` gives input ``i`` (``i = 0`` is the first name,
the most significant bit) the value ``(r >> (n - 1 - i)) & 1``.  A truth table is an
integer whose bit ``r`` is the goal's value on row ``r``: with at most 6 inputs it fits
one 64-bit word, so a circuit is scored against a goal with a handful of bit operations.

A circuit with several outputs (Kashtan & Alon 2005, Fig. 4) has goals with one
expression per output, separated by ``;``: ``"(X ^ Y) | (Z ^ W); (X ^ Y) & (Q ^ R)"``.
The goal expression ``random`` stands for a random function of the inputs, drawn from the
run's own ``goals`` stream (see :class:`Schedule`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

MAX_INPUTS = 6


def input_masks(n_inputs: int) -> list[int]:
    """Bitmask of the truth-table rows on which each input is 1.

    Over ``n_inputs`` inputs there are ``2**n_inputs`` rows; input ``i`` (0 = first name, the
    most significant bit of the row number) is 1 on row ``r`` when ``(r >> (n - 1 - i)) & 1``.
    These masks are the truth tables of the inputs themselves, from which every goal's table
    is computed with bit operations.

    Examples
    --------
    >>> [bin(m) for m in input_masks(2)]       # X is 1 on rows 2, 3; Y on rows 1, 3
    ['0b1100', '0b1010']
    >>> input_masks(7)
    Traceback (most recent call last):
    ...
    ValueError: between 1 and 6 inputs are supported, not 7
    """
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"between 1 and {MAX_INPUTS} inputs are supported, not {n_inputs}")
    rows = 1 << n_inputs
    masks = []
    for i in range(n_inputs):
        shift = n_inputs - 1 - i
        masks.append(sum(1 << r for r in range(rows) if (r >> shift) & 1))
    return masks


def full_mask(n_inputs: int) -> int:
    """The truth table that is 1 on every row: ``2**(2**n_inputs) - 1``.

    Examples
    --------
    >>> bin(full_mask(2))
    '0b1111'
    >>> full_mask(6) == 2**64 - 1          # six inputs fill one 64-bit word
    True
    """
    return (1 << (1 << n_inputs)) - 1


_OPS = {ast.BitXor: lambda a, b: a ^ b, ast.BitAnd: lambda a, b: a & b,
        ast.BitOr: lambda a, b: a | b}


def truth_table(expression: str, names: tuple[str, ...] | list[str]) -> int:
    """Truth table (bitmask over rows) of a Boolean expression over the given input names.

    Bit ``r`` of the result is the expression's value on input row ``r`` (see
    :func:`input_masks`).  The goals of Kashtan & Alon (2005) are such expressions, e.g.
    ``(X ^ Y) & (Z ^ W)``.

    Examples
    --------
    >>> bin(truth_table("X ^ Y", ("X", "Y")))
    '0b110'
    >>> truth_table("X ^ Y", "XY") == truth_table("(X | Y) & ~(X & Y)", "XY")
    True
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


RANDOM = "random"
#: how often a random goal is re-drawn: a new function every epoch in which it is in force,
#: or one function per random goal for the whole run
REDRAW = ("every-epoch", "once")


def goal_tables(expression: str, names) -> list[int]:
    """Truth tables of a goal, one per output (outputs separated by ``;``).

    The multi-output goals of Kashtan & Alon (2005, Fig. 4) are written as one expression per
    output.

    Examples
    --------
    >>> [bin(t) for t in goal_tables("X ^ Y; X & Y", ("X", "Y"))]
    ['0b110', '0b1000']
    """
    return [truth_table(part.strip(), names) for part in expression.split(";")]


def goal_outputs(protocol) -> int:
    """Outputs of the protocol's circuits: the number of ``;``-separated expressions of its
    goals (random goals have as many as the others; 1 if every goal is random).

    Raises ``ValueError`` naming the protocol file if the goals disagree.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> goal_outputs(load_protocol("original_protocol/ka2005_logic.toml"))
    1
    """
    counts = {len(e.split(";")) for e in protocol.goals.values() if e.strip() != RANDOM}
    if len(counts) > 1:
        raise ValueError(f"{protocol.source}: the goals have different numbers of outputs: {sorted(counts)}")
    return counts.pop() if counts else 1


def random_function(seed: int, index: tuple, n_inputs: int, n_outputs: int = 1) -> list[int]:
    """A random function of ``n_inputs`` inputs: every (row, output) bit a fair coin, from
    the run's ``goals`` stream at ``index`` (uniform over all 2**(2**n) truth tables).

    The random-varying-goals control: the goal changes to an unrelated function, so no
    modular structure is shared between goals.

    Returns
    -------
    list of int : one truth table per output, each below ``2**(2**n_inputs)``

    Examples
    --------
    >>> random_function(1, (0, 5), 4) == random_function(1, (0, 5), 4)
    True
    >>> random_function(1, (0, 5), 4) != random_function(2, (0, 5), 4)
    True
    """
    from .rng import numpy_generator
    rng = numpy_generator(seed, "goals", *index)
    bits = rng.integers(0, 2, size=(n_outputs, 1 << n_inputs))
    return [sum(int(b) << r for r, b in enumerate(row)) for row in bits]


@dataclass(frozen=True)
class Schedule:
    """Which goal is in force at each generation.

    ``fixed``: always the first goal.  ``mvg``: the goals in turn, each for ``epoch``
    generations, starting with the first (generations 0..epoch-1 -> goal 0, ...); a name may
    recur (Fig. 4: G1, G4, G2, G4, G3, G4).  ``random``: names of goals whose expression is
    ``random``; ``redraw`` says how often their function is drawn (:data:`REDRAW`).

    Modularly varying goals (MVG) are the switching schedule of Kashtan & Alon (2005).

    Examples
    --------
    >>> s = Schedule("mvg", ("G1", "G2"), 20)
    >>> [s.goal_at(g) for g in (0, 19, 20, 39, 40)]
    ['G1', 'G1', 'G2', 'G2', 'G1']
    >>> Schedule("fixed", ("G1", "G2"), 20).goal_at(1000)
    'G1'
    """
    kind: str
    goals: tuple[str, ...]
    epoch: int
    random: tuple[str, ...] = ()
    redraw: str = "every-epoch"

    def index_at(self, generation: int) -> int:
        if self.kind == "fixed":
            return 0
        return (generation // self.epoch) % len(self.goals)

    def goal_at(self, generation: int) -> str:
        return self.goals[self.index_at(generation)]

    def draw_epoch(self, name: str, generation: int) -> int:
        """The epoch whose draw random goal ``name`` uses at ``generation``: the last epoch
        (up to now) in which it was in force, or the first one to come."""
        if self.kind == "fixed":
            return 0
        e = generation // self.epoch
        period = len(self.goals)
        for back in range(period):
            if e - back >= 0 and self.goals[(e - back) % period] == name:
                return e - back
        return min(e + d for d in range(1, period + 1) if self.goals[(e + d) % period] == name)

    def goal_items(self, expressions, generation: int, seed: int, n_inputs: int, n_outputs: int = 1) -> list:
        """What each distinct goal means at ``generation`` (order of first appearance): its
        expression, or for a random goal its truth tables drawn from the ``goals`` stream at
        index (0, epoch) (``every-epoch``) or (1, k) for the k-th random goal (``once``).

        >>> s = Schedule("mvg", ("G1", "R"), 20, random=("R",))
        >>> goals = {"G1": "X ^ Y", "R": "random"}
        >>> items = s.goal_items(goals, 25, seed=3, n_inputs=4)
        >>> items[0], items[1] == s.goal_items(goals, 39, 3, 4)[1] == s.goal_items(goals, 45, 3, 4)[1]
        ('X ^ Y', True)
        >>> items[1] == s.goal_items(goals, 65, 3, 4)[1]        # epoch 3: R in force again, redrawn
        False
        """
        items = []
        for name in dict.fromkeys(self.goals):
            if name not in self.random:
                items.append(expressions[name])
            elif self.redraw == "once":
                items.append(random_function(seed, (1, self.random.index(name)), n_inputs, n_outputs))
            else:
                items.append(random_function(seed, (0, self.draw_epoch(name, generation)), n_inputs, n_outputs))
        return items


def schedule_from(protocol) -> Schedule:
    """The :class:`Schedule` a protocol's ``[schedule]``, ``[goals]`` and ``[random_goals]`` define.

    Goals whose expression is ``random`` become the schedule's random goals.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml")
    >>> s = schedule_from(p)
    >>> s.kind, s.goal_at(0) == p.schedule.goals[0]
    ('fixed', True)
    """
    s = protocol.schedule
    random = tuple(dict.fromkeys(g for g in s.goals if protocol.goals[g].strip() == RANDOM))
    rg = protocol.sections.get("random_goals")
    redraw = rg.redraw if rg is not None else REDRAW[0]
    return Schedule(kind=s.kind, goals=tuple(s.goals), epoch=s.epoch, random=random, redraw=redraw)
