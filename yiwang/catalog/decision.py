"""An implementation's auto-approval (秒批) rule: a DMN decision table, validated on save and
evaluated by SpiffWorkflow's DMN engine.

A table is valid when:

* it is DMN 1.1, 1.2 or 1.3 XML (no DTD, no entities, no network), valid against the
  standard's schema, with exactly one ``decision`` holding exactly one ``decisionTable``;
* its hit policy is ``UNIQUE`` or ``FIRST`` (the first matching rule decides);
* every expression — input expressions, rule entries, output entries — reads only the
  verified data named in :data:`KNOWN_INPUTS` (``applicant.age``, ``person.in_population``,
  …) and uses only literals, comparisons, ``and``/``or``/``not``, ``+``/``-`` and ``in``:
  SpiffWorkflow evaluates DMN expressions as Python, and a catalogue editor writes rules,
  not code (no calls, no subscripts, no attribute beyond a known input);
* it has the outputs ``approve`` (``typeRef="boolean"``) and ``reason``
  (``typeRef="string"``), and each rule gives them as literals (``True``/``False`` and a
  quoted text).

What each input means and where its value comes from is decided by the case module
(:mod:`yiwang.cases.auto_approval`), never by what the applicant typed into the form.
Expressions are Python as SpiffWorkflow reads them: ``True``/``False``, not FEEL's
``true``/``false``; an entry such as ``>= 18`` is compared with the column's input, ``-``
matches anything."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from yiwang.catalog.errors import ErrorCode, FieldErrors, field_error
from yiwang.kernel import expressions

FIELD = "decision_dmn"
MAX_DMN_BYTES = 256 * 1024


@dataclass(frozen=True)
class KnownInput:
    type: str  # the DMN typeRef: boolean, number, string
    label: str


#: The verified data a decision table may read, by the name it uses in expressions.
#: Licences (``licence.<type>.valid``) come with the e-licence module; an entity's standing
#: (经营异常, 严重失信) with the credit base data.
KNOWN_INPUTS: dict[str, KnownInput] = {
    "applicant.verified": KnownInput("boolean", "申请人已实名认证"),
    "applicant.verification_level": KnownInput("number", "申请人实名等级"),
    "applicant.age": KnownInput("number", "申请人年龄(周岁,按已核验的身份证号码)"),
    "person.in_population": KnownInput("boolean", "申请人在人口基础库中"),
    "entity.exists": KnownInput("boolean", "申请单位在法人基础库中"),
}

#: The DMN namespaces SpiffWorkflow reads (1.1, 1.2, 1.3; its schemas are in the package).
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)
HIT_POLICIES = ("UNIQUE", "FIRST")
APPROVE, REASON = "approve", "reason"
_NUMBER_TYPES = {"number", "integer", "long", "double"}
#: What SpiffWorkflow's engine puts in place of ``?`` in a rule entry (outside quotes).
PLACEHOLDER = "dmninputexpr"
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^\'\"]|[\'\"][^\'\"]*[\'\"])*$)")
_ID_REQUIRED = ("decision", "decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")

_ALLOWED_NODES = expressions.COMPARISONS  # names and constants are checked apart


class ExpressionError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def reads(expression: str) -> set[str]:
    """The known inputs ``expression`` reads. Raises :class:`ExpressionError` for anything
    that is not a literal, a known input, a comparison or boolean/``+``/``-`` arithmetic."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(
            "dmn_expression_invalid",
            _("表达式“%(expr)s”无法解析。") % {"expr": expression.strip()},
        ) from None
    found: set[str] = set()

    def unknown(name: str) -> ExpressionError:
        if name in ("true", "false", "null"):
            hint = _("请写作 True、False 或 None(规则按 Python 表达式计算)。")
        else:
            hint = _("可用的核验数据:%(names)s") % {"names": ", ".join(KNOWN_INPUTS)}
        return ExpressionError(
            "dmn_unknown_input",
            _("表达式“%(expr)s”引用了未知的数据项“%(name)s”。%(hint)s")
            % {"expr": expression.strip(), "name": name, "hint": hint},
        )

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Attribute | ast.Name):
            path = _dotted(node)
            if path == PLACEHOLDER:
                return
            if path is None or path not in KNOWN_INPUTS:
                raise unknown(path or ast.unparse(node))
            found.add(path)
            return
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str | int | float | bool | type(None)):
                raise ExpressionError(
                    "dmn_expression_invalid",
                    _("表达式“%(expr)s”含有不支持的常量。") % {"expr": expression.strip()},
                )
            return
        if not isinstance(node, _ALLOWED_NODES) or (
            isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add | ast.Sub)
        ):
            raise ExpressionError(
                "dmn_expression_invalid",
                _(
                    "表达式“%(expr)s”只能使用常量、核验数据、比较、and/or/not、加减和 in,"
                    "不能调用函数或访问其他属性。"
                )
                % {"expr": expression.strip()},
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def entry_expression(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's ``DMNEngine.evaluate`` builds from a column's input
    expression and a rule's entry (``?`` stands for the input; an entry that is not an
    expression by itself, like ``>= 18``, is appended; anything else is compared with ==)."""
    replaced = _QUESTION_MARK.sub(PLACEHOLDER, entry)
    if PLACEHOLDER in replaced:
        return replaced
    try:
        ast.parse(entry)
    except SyntaxError:
        return input_expression + entry
    return f"({input_expression}) == ({entry})"


# --- parsing and validation -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A parsed, valid decision table."""

    decision_id: str
    decision_name: str
    table_id: str
    hit_policy: str
    reads: frozenset[str]
    spiff: Any  # SpiffWorkflow's DecisionTable


def _error(message: str, *, code: str = "dmn_invalid", element: str = "", line: Any = "") -> Any:
    return field_error(FIELD, code, message, element=element, line=line)


def _refuse(errors: list[dict[str, Any]]) -> FieldErrors:
    return FieldErrors(ErrorCode.DMN_INVALID, errors)


def _local(element: Any) -> str:
    return str(etree.QName(element).localname) if isinstance(element.tag, str) else ""


def _parse_xml(source: str) -> Any:
    if len(source.encode()) > MAX_DMN_BYTES:
        raise _refuse([_error(_("秒批规则文件超过 256 KB。"))])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(source.encode(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(
            [_error(_("秒批规则不是合法的 XML:%(msg)s") % {"msg": exc.msg}, line=exc.lineno)]
        ) from exc
    if root.getroottree().docinfo.doctype:
        # No DMN file needs a DTD; entity declarations are how XXE attacks start.
        line = source[: source.find("<!DOCTYPE")].count("\n") + 1 if "<!DOCTYPE" in source else 1
        raise _refuse([_error(_("秒批规则不能包含 DOCTYPE 声明。"), line=line)])
    return root


@functools.cache
def _schema(namespace: str) -> etree.XMLSchema:
    # The standard's schemas ship with SpiffWorkflow; their imports are local files.
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

    return etree.XMLSchema(etree.parse(SCHEMAS[namespace]))


def _element_id_at(root: Any, path: str | None) -> str:
    """The id of the element at ``path``, or of its nearest ancestor with one."""
    try:
        found = root.getroottree().xpath(path) if path else []
    except etree.XPathError:
        found = []
    element = found[0] if found else None
    while element is not None and not element.get("id"):
        element = element.getparent()
    return str(element.get("id")) if element is not None else ""


def _check_schema(root: Any, namespace: str) -> None:
    schema = _schema(namespace)
    if schema.validate(root):
        return
    errors = []
    for entry in list(schema.error_log)[:10]:
        errors.append(
            _error(
                _("不符合 DMN 规范:%(msg)s") % {"msg": entry.message},
                element=_element_id_at(root, entry.path),
                line=entry.line,
            )
        )
    raise _refuse(errors)


def _check_structure(root: Any) -> Any:
    """Exactly one decision with exactly one decision table; ids where SpiffWorkflow needs
    them; as many entries in each rule as the table has columns."""
    decisions = [e for e in root if _local(e) == "decision"]
    if len(decisions) != 1:
        raise _refuse(
            [
                _error(
                    _("秒批规则必须且只能包含一个 decision(现有 %(n)d 个)。")
                    % {"n": len(decisions)},
                    element=root.get("id", ""),
                    line=root.sourceline,
                )
            ]
        )
    decision = decisions[0]
    tables = [e for e in decision if _local(e) == "decisionTable"]
    if len(tables) != 1:
        raise _refuse(
            [
                _error(
                    _("decision 必须且只能包含一个决策表 decisionTable。"),
                    element=decision.get("id", ""),
                    line=decision.sourceline,
                )
            ]
        )
    errors = [
        _error(
            _("元素 %(tag)s 缺少 id。") % {"tag": _local(e)}, element=_local(e), line=e.sourceline
        )
        for e in decision.iter()
        if _local(e) in _ID_REQUIRED and not e.get("id")
    ]
    table = tables[0]
    columns = {kind: len([e for e in table if _local(e) == kind]) for kind in ("input", "output")}
    for rule in (e for e in table if _local(e) == "rule"):
        for kind in ("input", "output"):
            given = len([e for e in rule if _local(e) == f"{kind}Entry"])
            if given != columns[kind]:
                errors.append(
                    _error(
                        _("规则的 %(kind)sEntry 有 %(given)d 个,决策表有 %(want)d 列。")
                        % {"kind": kind, "given": given, "want": columns[kind]},
                        element=rule.get("id", ""),
                        line=rule.sourceline,
                    )
                )
    if errors:
        raise _refuse(errors)
    return table


def _line_of(root: Any, element_id: str) -> Any:
    found = root.xpath("//*[@id=$id]", id=element_id) if element_id else []
    return found[0].sourceline if found else ""


def _check_table(root: Any, spiff: Any) -> frozenset[str]:
    """The table's columns and rules against the vocabulary; returns the inputs it reads."""
    errors: list[dict[str, Any]] = []
    read: set[str] = set()

    def check(expression: str, element_id: str) -> set[str]:
        try:
            return reads(expression)
        except ExpressionError as exc:
            errors.append(
                _error(
                    exc.message,
                    code=exc.code,
                    element=element_id,
                    line=_line_of(root, element_id),
                )
            )
            return set()

    if spiff.hit_policy not in HIT_POLICIES:
        errors.append(
            _error(
                _("命中策略 %(policy)s 不受支持,请使用 UNIQUE 或 FIRST。")
                % {"policy": spiff.hit_policy},
                element=spiff.id,
                line=_line_of(root, spiff.id),
            )
        )
    for column in spiff.inputs:
        if not (column.expression or "").strip():
            errors.append(
                _error(
                    _("输入列缺少表达式 inputExpression。"),
                    element=column.id,
                    line=_line_of(root, column.id),
                )
            )
            continue
        used = check(column.expression, column.id)
        read |= used
        wanted = (column.typeRef or "").strip()
        for path in used:
            known = KNOWN_INPUTS[path].type
            if wanted and wanted != known and not (known == "number" and wanted in _NUMBER_TYPES):
                errors.append(
                    _error(
                        _("输入“%(name)s”的类型是 %(known)s,不是 %(given)s。")
                        % {"name": path, "known": known, "given": wanted},
                        code="dmn_type_mismatch",
                        element=column.id,
                        line=_line_of(root, column.id),
                    )
                )
    outputs = {o.name: o for o in spiff.outputs}
    for name, type_ref in ((APPROVE, "boolean"), (REASON, "string")):
        output = outputs.get(name)
        if output is None or output.typeRef != type_ref:
            errors.append(
                _error(
                    _('决策表必须有输出 %(name)s(typeRef="%(type)s")。')
                    % {"name": name, "type": type_ref},
                    code="dmn_output_missing",
                    element=output.id if output is not None else spiff.id,
                    line=_line_of(root, output.id if output is not None else spiff.id),
                )
            )
    if not spiff.rules:
        errors.append(
            _error(_("决策表没有任何规则。"), element=spiff.id, line=_line_of(root, spiff.id))
        )
    for rule in spiff.rules:
        for entry in rule.inputEntries:
            for text in entry.lhs:
                if text is not None and entry.input.expression:
                    read |= check(entry_expression(entry.input.expression, text), entry.id)
        for entry in rule.outputEntries:
            text = (entry.text or "").strip()
            name = entry.output.name
            kind = {APPROVE: bool, REASON: str}.get(name)
            if kind is None:
                if text:
                    read |= check(text, entry.id)
                continue
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = None
            if not isinstance(value, kind):
                errors.append(
                    _error(
                        _("规则的输出 %(name)s 必须是%(what)s。")
                        % {
                            "name": name,
                            "what": _("True 或 False") if kind is bool else _("带引号的文字"),
                        },
                        element=entry.id,
                        line=_line_of(root, entry.id),
                    )
                )
    if errors:
        raise _refuse(errors)
    return frozenset(read)


def validate(source: str) -> Table:
    """Validate a DMN document; return its decision table. Raises :class:`FieldErrors`
    (``dmn_invalid``) naming each offending element (id and line)."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.dmn.parser.DMNParser import DMNParser

    root = _parse_xml(source)
    namespace = etree.QName(root).namespace or ""
    if _local(root) != "definitions" or namespace not in DMN_NAMESPACES:
        raise _refuse(
            [
                _error(
                    _("根元素必须是 DMN 1.1/1.2/1.3 的 definitions。"),
                    element=root.get("id", ""),
                    line=root.sourceline,
                )
            ]
        )
    _check_schema(root, namespace)
    _check_structure(root)
    parser = DMNParser(None, root, {"dmn": namespace}, filename="decision.dmn")
    try:
        parser.parse()
    except ValidationException as exc:
        element = getattr(exc, "id", "")
        raise _refuse(
            [
                _error(
                    _("秒批规则无法解析:%(msg)s") % {"msg": str(exc)[:300]},
                    element=element,
                    line=getattr(exc, "line_number", "") or _line_of(root, element),
                )
            ]
        ) from exc
    except Exception as exc:  # SpiffWorkflow raises plain exceptions on some malformed input
        raise _refuse([_error(_("秒批规则无法解析:%(msg)s") % {"msg": str(exc)[:300]})]) from exc
    decision = parser.decision
    spiff = decision.decisionTables[0]
    return Table(
        decision_id=decision.id,
        decision_name=decision.name or decision.id,
        table_id=spiff.id,
        hit_policy=spiff.hit_policy,
        reads=_check_table(root, spiff),
        spiff=spiff,
    )


@functools.lru_cache(maxsize=64)
def parse(source: str) -> Table:
    """The decision table of a stored (already validated) rule; cached, since a published
    version's rule never changes. Raises :class:`FieldErrors` if it no longer validates."""
    return validate(source)


# --- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the table decided: the matching rule (None when no rule matched), its row and
    its outputs."""

    rule_id: str | None
    row: int | None
    approve: bool
    reason: str
    outputs: dict[str, Any]


def _environment() -> Any:
    from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

    class TableEnvironment(TaskDataEnvironment):  # type: ignore[misc]
        """Evaluates the engine's expressions over the inputs with no builtins, after
        checking each against the same rules as on save (a stored table that slipped past
        them still cannot run code)."""

        def evaluate(self, expression: str, context: Any, external_context: Any = None) -> Any:
            reads(expression)
            names = {**(external_context or {}), **context}
            code = compile(ast.parse(expression.strip(), mode="eval"), "<dmn>", "eval")
            return eval(code, {"__builtins__": {}}, names)  # noqa: S307 (checked above)

        def execute(self, script: str, context: Any, external_context: Any = None) -> bool:
            raise ValueError("decision tables do not run scripts")

    return TableEnvironment()


@functools.cache
def _script_engine() -> Any:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    return PythonScriptEngine(environment=_environment())


def _task(table: Table, data: dict[str, Any]) -> Any:
    """The smallest task SpiffWorkflow's DMN engine evaluates a table for, as its own DMN
    tests build it: task data, and a workflow with the script engine (plus what its error
    reports read)."""
    workflow = SimpleNamespace(
        script_engine=_script_engine(),
        spec=SimpleNamespace(file="decision.dmn", name=table.decision_id),
        parent_workflow=None,
    )
    workflow.top_workflow = workflow
    spec = SimpleNamespace(name=table.decision_id, bpmn_name=table.decision_name)
    return SimpleNamespace(data=data, workflow=workflow, task_spec=spec)


def _namespaces(inputs: dict[str, Any]) -> dict[str, Any]:
    """``{"applicant.age": 30}`` → ``{"applicant": namespace(age=30)}`` for the expressions."""
    tree: dict[str, Any] = {}
    for path, value in inputs.items():
        *parents, leaf = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    def build(node: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(
            **{k: build(v) if isinstance(v, dict) else v for k, v in node.items()}
        )

    return {k: build(v) if isinstance(v, dict) else v for k, v in tree.items()}


def evaluate(table: Table, inputs: dict[str, Any]) -> Outcome:
    """Run the table on ``inputs`` (known input name → value) with SpiffWorkflow's
    ``DMNEngine``; the first matching rule decides. The caller makes sure every input the
    table reads is given; an expression error raises SpiffWorkflow's exception."""
    from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

    task = _task(table, _namespaces(inputs))
    matched = DMNEngine(table.spiff).decide(task)
    if not matched:
        return Outcome(rule_id=None, row=None, approve=False, reason="", outputs={})
    rule = matched[0]
    outputs = dict(rule.output_as_dict(task))
    return Outcome(
        rule_id=rule.id,
        row=rule.row_number,
        approve=outputs.get(APPROVE) is True,
        reason=str(outputs.get(REASON) or ""),
        outputs=outputs,
    )
