"""Conditions written by catalogue staff (BPMN gateway conditions such as ``area > 1000``):
checked against a whitelist of Python syntax before they are ever evaluated.

SpiffWorkflow evaluates conditions with Python's ``eval``. A condition may only compare and
combine values: names, constants, arithmetic, comparisons, ``and``/``or``/``not``, ``in``,
lists and tuples, subscripts with a constant key, and calls of a few pure functions. No
attribute access, no lambdas, comprehensions or other calls — so a condition cannot reach
Python's internals, whatever names the task data holds."""

from __future__ import annotations

import ast

from django.utils.translation import gettext as _

MAX_CONSTANT = 200
SAFE_FUNCTIONS = frozenset({"abs", "bool", "float", "int", "len", "max", "min", "round", "str"})

#: Syntax for comparing and combining values: what every condition may use.
COMPARISONS: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Load,
)
_ALLOWED = (
    *COMPARISONS,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Constant,
    ast.Subscript,
    ast.Call,
)


def check(expression: str) -> set[str]:
    """The names a condition reads; ``ValueError`` (with a reason) when it is not allowed."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(_("不是合法的表达式。")) from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(_("条件中不能使用 %(what)s。") % {"what": type(node).__name__})
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ValueError(_("不能使用名称 %(name)s。") % {"name": node.id})
            names.add(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
                raise ValueError(
                    _("只能调用 %(names)s。") % {"names": ", ".join(sorted(SAFE_FUNCTIONS))}
                )
            if node.keywords:
                raise ValueError(_("不能使用关键字参数。"))
        elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            raise ValueError(_("下标只能是常量。"))
        elif isinstance(node, ast.Constant) and len(str(node.value)) > MAX_CONSTANT:
            raise ValueError(_("常量最长 %(n)d 个字符。") % {"n": MAX_CONSTANT})
    return names - SAFE_FUNCTIONS - {"True", "False", "None"}
