"""Whole-number arithmetic the code reader follows, kept as a small tree so that a value the code cannot
know (a folder's file count, a function's argument) can still be carried through ``ceil(n / bs)`` and
written down as a relation over form fields. Exact: ``/`` gives a Fraction, never a float, so
``ceil(60000 / 32)`` is 1875 and not 1874.9999.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from fractions import Fraction

Number = int | Fraction

# Numbers past this are not a count anyone trains on; arithmetic stops there instead of growing without end.
LIMIT = 10**18
# A relation typed by someone else (a saved form) is a short formula; longer ones are refused unread.
MAX_FORMULA_CHARS = 400


@dataclass(frozen=True)
class Const:
    value: Number
    # The line that wrote the number (0: computed), so a relation can name the field it also fills: bs // 16 -> train.batch_size.
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Unknown:
    """A value the code does not fix; ``key`` tells two of them apart, ``label`` says in words what it is."""

    key: int
    label: str


@dataclass(frozen=True)
class Field:
    """A dotted scenario field, as a relation names it (``train.samples``)."""

    name: str


@dataclass(frozen=True)
class Op:
    name: str  # "+", "-", "*", "/", "//", "%", "ceil", "floor", "int", "min", "max"
    args: tuple[Expr, ...]


Expr = Const | Unknown | Field | Op

BINARY_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}
_FUNCTIONS = ("ceil", "floor", "int", "min", "max")


def _compute(name: str, values: list[Number]) -> Number | None:
    """One operation on exact numbers; None where Python would raise (a division by zero) or the number runs away."""
    try:
        if name == "+":
            result: Number = values[0] + values[1]
        elif name == "-":
            result = values[0] - values[1]
        elif name == "*":
            result = values[0] * values[1]
        elif name == "/":
            result = Fraction(values[0]) / values[1]
        elif name == "//":
            result = values[0] // values[1]
        elif name == "%":
            result = values[0] % values[1]
        elif name == "ceil":
            result = math.ceil(values[0])
        elif name in ("floor",):
            result = math.floor(values[0])
        elif name == "int":
            result = int(values[0])
        elif name == "min":
            result = min(values)
        elif name == "max":
            result = max(values)
        else:
            return None
    except (ZeroDivisionError, ValueError, IndexError):
        return None
    if isinstance(result, Fraction) and result.denominator == 1:
        result = result.numerator
    return result if abs(result) <= LIMIT else None


def make(name: str, *args: Expr) -> Expr | None:
    """The operation over ``args``: worked out when every argument is a number, kept as a tree otherwise."""
    if all(isinstance(arg, Const) for arg in args):
        value = _compute(name, [arg.value for arg in args])  # type: ignore[union-attr]
        return None if value is None else Const(value)
    return Op(name, args)


def value_of(expr: Expr | None) -> Number | None:
    return expr.value if isinstance(expr, Const) else None


def whole(expr: Expr | None) -> int | None:
    """The expression's value when it is a whole number."""
    value = value_of(expr)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unknowns(expr: Expr) -> set[int]:
    if isinstance(expr, Unknown):
        return {expr.key}
    if isinstance(expr, Op):
        return set().union(*(unknowns(arg) for arg in expr.args))
    return set()


def substitute(expr: Expr, fields: dict[int, str], constants: dict[tuple[int, Number], str] | None = None) -> Expr | None:
    """The expression with each Unknown replaced by the form field that holds it; None if one has no field.

    ``constants`` maps (line, value) to the field that number also fills: the batch size written once and used
    both in fit and in the steps, so the relation follows the batch size the student types.
    """
    if isinstance(expr, Unknown):
        return Field(fields[expr.key]) if expr.key in fields else None
    if isinstance(expr, Const) and constants and expr.line and (expr.line, expr.value) in constants:
        return Field(constants[(expr.line, expr.value)])
    if isinstance(expr, Op):
        args = [substitute(arg, fields, constants) for arg in expr.args]
        if any(arg is None for arg in args):
            return None
        return Op(expr.name, tuple(args))  # type: ignore[arg-type]
    return expr


def formula(expr: Expr) -> str:
    """The expression written the way evaluate_relation reads it back."""
    if isinstance(expr, Const):
        value = expr.value
        return str(value) if isinstance(value, int) else f"({value.numerator} / {value.denominator})"
    if isinstance(expr, Field):
        return expr.name
    if isinstance(expr, Unknown):
        return expr.label
    if expr.name in _FUNCTIONS:
        return f"{expr.name}({', '.join(formula(arg) for arg in expr.args)})"
    left, right = (
        formula(arg) if not isinstance(arg, Op) or arg.name in _FUNCTIONS else f"({formula(arg)})" for arg in expr.args
    )
    return f"{left} {expr.name} {right}"


def evaluate_relation(text: str, values: dict[str, int]) -> int | None:
    """A relation's value once the fields it names are known: ``ceil(train.samples / train.batch_size)``.

    Read with ``ast`` and worked out here over exact numbers, never with ``eval``. None when a field it
    needs is missing from ``values``, the formula is not one this module writes, or the answer is not a
    whole number (a division by zero included).
    """
    if not isinstance(text, str) or len(text) > MAX_FORMULA_CHARS:
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    result = _relation_value(tree.body, values, depth=0)
    return result if isinstance(result, int) else None


def _relation_value(node: ast.AST, values: dict[str, int], depth: int) -> Number | None:
    if depth > 50:
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = dotted_name(node)
        value = values.get(name) if name is not None else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _relation_value(node.operand, values, depth + 1)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
        left = _relation_value(node.left, values, depth + 1)
        right = _relation_value(node.right, values, depth + 1)
        if left is None or right is None:
            return None
        return _compute(BINARY_OPERATORS[type(node.op)], [left, right])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords:
        args = [_relation_value(arg, values, depth + 1) for arg in node.args]
        if not args or any(arg is None for arg in args) or (node.func.id not in ("min", "max") and len(args) != 1):
            return None
        return _compute(node.func.id, args)  # type: ignore[arg-type]
    return None


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for an attribute chain on a name, None for anything else (a call, a subscript)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
