"""An implementation's process as BPMN 2.0: validation on save, the default sequential
process, and the steps a guide draws.

A process is valid when SpiffWorkflow parses it, it has at least one start and one end event,
and every user task sits in a lane named after a known role (``window_clerk``,
``approver``, …) so later the case engine knows who handles each step."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from yiwang.catalog.errors import ErrorCode, FieldErrors, field_error
from yiwang.kernel import expressions
from yiwang.kernel.models import Department, Role

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN_NS}
MAX_BPMN_BYTES = 512 * 1024
FIELD = "process_bpmn"

#: The default process of an implementation without its own: accept, review, decide.
DEFAULT_STEPS: list[tuple[str, str, str]] = [
    ("accept", "受理", Role.WINDOW_CLERK),
    ("review", "审查", Role.APPROVER),
    ("decide", "决定", Role.APPROVER),
]


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    role: str
    kind: str  # "start", "task", "end", "gateway"


def _error(message: str, *, element: str = "", line: int | str = "") -> FieldErrors:
    return FieldErrors(
        ErrorCode.BPMN_INVALID,
        [field_error(FIELD, "bpmn_invalid", message, element=element, line=line)],
    )


def default_process(process_id: str = "implementation") -> str:
    """A BPMN 2.0 document for the default sequential process (受理 → 审查 → 决定), one
    element per line so that a refusal's line number points somewhere useful."""
    lanes = sorted({role for _, _, role in DEFAULT_STEPS})
    nodes = ["start", *[step for step, _, _ in DEFAULT_STEPS], "end"]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="definitions" '
        'targetNamespace="https://yiwang.example/bpmn">',
        f'  <bpmn:process id="{process_id}" isExecutable="true">',
        "    <bpmn:laneSet>",
    ]
    for role in lanes:
        refs = [step for step, _, r in DEFAULT_STEPS if r == role]
        if role == Role.WINDOW_CLERK:
            refs.append("start")
        if role == Role.APPROVER:
            refs.append("end")
        lines.append(f'      <bpmn:lane id="lane_{role}" name="{role}">')
        lines += [f"        <bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs]
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")
    lines.append('    <bpmn:startEvent id="start" name="申请" />')
    lines += [f'    <bpmn:userTask id="{step}" name="{name}" />' for step, name, _ in DEFAULT_STEPS]
    lines.append('    <bpmn:endEvent id="end" name="办结" />')
    lines += [
        f'    <bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />'
        for a, b in itertools.pairwise(nodes)
    ]
    lines += ["  </bpmn:process>", "</bpmn:definitions>", ""]
    return "\n".join(lines)


def _parse_xml(source: str) -> Any:
    if len(source.encode()) > MAX_BPMN_BYTES:
        raise _error(_("流程文件超过 512 KB。"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(source.encode(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _error(
            _("流程文件不是合法的 XML:%(msg)s") % {"msg": exc.msg}, line=exc.lineno
        ) from exc
    if root.getroottree().docinfo.doctype:
        # A BPMN file never needs a DTD; entity declarations are how XXE and "billion
        # laughs" attacks start, and the stored file would reach other XML parsers later.
        line = source[: source.find("<!DOCTYPE")].count("\n") + 1 if "<!DOCTYPE" in source else 1
        raise _error(_("流程文件不能包含 DOCTYPE 声明。"), line=line)
    return root


def validate(source: str) -> list[Step]:
    """Validate a BPMN document; return its steps in flow order. Raises :class:`FieldErrors`
    naming the offending element (id and line)."""
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    root = _parse_xml(source)
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace != BPMN_NS:
        raise _error(_("根元素必须是 BPMN 2.0 的 definitions。"), line=root.sourceline)
    processes = root.findall("bpmn:process", _NS)
    if len(processes) != 1:
        raise _error(_("流程文件必须且只能包含一个 process。"), line=root.sourceline)
    process = processes[0]
    process_id = process.get("id", "")
    errors: list[dict[str, Any]] = []
    if not process.findall("bpmn:startEvent", _NS):
        errors.append(
            field_error(
                FIELD,
                "bpmn_no_start",
                _("流程缺少开始事件。"),
                element=process_id,
                line=process.sourceline,
            )
        )
    if not process.findall("bpmn:endEvent", _NS):
        errors.append(
            field_error(
                FIELD,
                "bpmn_no_end",
                _("流程缺少结束事件。"),
                element=process_id,
                line=process.sourceline,
            )
        )
    lane_of: dict[str, str] = {}
    known = set(Role.values)
    for lane in process.iterfind(".//bpmn:lane", _NS):
        # ``approver`` is the implementing department's role; ``approver@<department code>``
        # puts the lane's steps in another department's queue (joint review, 并联审批).
        role = (lane.get("name") or "").strip()
        base_role, _at, department_code = role.partition("@")
        if department_code and not Department.objects.filter(code=department_code).exists():
            errors.append(
                field_error(
                    FIELD,
                    "bpmn_unknown_department",
                    _("泳道“%(name)s”指向不存在的部门“%(code)s”。")
                    % {"name": role, "code": department_code},
                    element=lane.get("id", ""),
                    line=lane.sourceline,
                )
            )
        if base_role not in known:
            errors.append(
                field_error(
                    FIELD,
                    "bpmn_unknown_role",
                    _("泳道“%(name)s”不是已知角色,可用角色:%(roles)s")
                    % {"name": role, "roles": ", ".join(sorted(known))},
                    element=lane.get("id", ""),
                    line=lane.sourceline,
                )
            )
        for ref in lane.findall("bpmn:flowNodeRef", _NS):
            lane_of[(ref.text or "").strip()] = role
    for task in process.iterfind(".//bpmn:userTask", _NS):
        if task.get("id", "") not in lane_of:
            errors.append(
                field_error(
                    FIELD,
                    "bpmn_task_without_role",
                    _("任务“%(name)s”不在任何角色泳道内。")
                    % {"name": task.get("name") or task.get("id")},
                    element=task.get("id", ""),
                    line=task.sourceline,
                )
            )
    errors += _check_flows(process)
    errors += _check_conditions(process)
    if errors:
        raise FieldErrors(ErrorCode.BPMN_INVALID, errors)
    parser = BpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename="process.bpmn")
        parser.get_spec(process_id)
    except ValidationException as exc:
        element = getattr(exc, "id", "")
        raise _error(
            _("流程无法解析:%(msg)s") % {"msg": getattr(exc, "message", str(exc))},
            element=element,
            line=getattr(exc, "line_number", "") or _line_of(root, element),
        ) from exc
    except Exception as exc:  # SpiffWorkflow raises plain exceptions on some malformed input
        raise _error(_("流程无法解析:%(msg)s") % {"msg": str(exc)[:300]}) from exc
    return _steps(process, lane_of)


def _check_conditions(process: Any) -> list[dict[str, Any]]:
    """Gateway conditions must pass the kernel's whitelist (the case engine evaluates them);
    script tasks would run code and are refused."""
    errors: list[dict[str, Any]] = []
    for flow in process.iterfind(".//bpmn:sequenceFlow", _NS):
        condition = flow.find("bpmn:conditionExpression", _NS)
        if condition is None or not (condition.text or "").strip():
            continue
        try:
            expressions.check(condition.text)
        except ValueError as exc:
            errors.append(
                field_error(
                    FIELD,
                    "bpmn_condition_invalid",
                    _("连线 %(flow)s 的条件“%(text)s”不可用:%(why)s")
                    % {"flow": flow.get("id", ""), "text": condition.text.strip(), "why": exc},
                    element=flow.get("id", ""),
                    line=condition.sourceline,
                )
            )
    for task in process.iterfind(".//bpmn:scriptTask", _NS):
        errors.append(
            field_error(
                FIELD,
                "bpmn_script_not_allowed",
                _("办理流程不能包含脚本任务“%(name)s”。")
                % {"name": task.get("name") or task.get("id")},
                element=task.get("id", ""),
                line=task.sourceline,
            )
        )
    return errors


def _line_of(root: Any, element_id: str) -> int | str:
    """The line of the element with this id (SpiffWorkflow does not report lines)."""
    if not element_id:
        return ""
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else ""


def _check_flows(process: Any) -> list[dict[str, Any]]:
    """Duplicate ids and sequence flows between unknown nodes, named by the element at
    fault (SpiffWorkflow reports both with one confusing message about the wrong node)."""
    errors: list[dict[str, Any]] = []
    ids: set[str] = set()
    for element in process.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if not element_id:
            continue
        if element_id in ids:
            errors.append(
                field_error(
                    FIELD,
                    "bpmn_duplicate_id",
                    _("元素标识 %(id)s 重复。") % {"id": element_id},
                    element=element_id,
                    line=element.sourceline,
                )
            )
        ids.add(element_id)
    nodes = {
        element.get("id")
        for element in process
        if isinstance(element.tag, str) and etree.QName(element).localname != "sequenceFlow"
    }
    for flow in process.iterfind("bpmn:sequenceFlow", _NS):
        for attribute in ("sourceRef", "targetRef"):
            ref = flow.get(attribute, "")
            if ref not in nodes:
                errors.append(
                    field_error(
                        FIELD,
                        "bpmn_unknown_ref",
                        _("连线 %(flow)s 的 %(attr)s 指向不存在的节点“%(ref)s”。")
                        % {"flow": flow.get("id", ""), "attr": attribute, "ref": ref},
                        element=flow.get("id", ""),
                        line=flow.sourceline,
                    )
                )
    return errors


_KINDS = {
    "startEvent": "start",
    "endEvent": "end",
    "userTask": "task",
    "task": "task",
    "manualTask": "task",
    "serviceTask": "task",
    "scriptTask": "task",
    "exclusiveGateway": "gateway",
    "parallelGateway": "gateway",
    "inclusiveGateway": "gateway",
}


def _steps(process: Any, lane_of: dict[str, str]) -> list[Step]:
    """The flow nodes in breadth-first order from the start events (for a simple diagram)."""
    nodes: dict[str, Any] = {}
    for element in process:
        if not isinstance(element.tag, str):
            continue
        kind = _KINDS.get(etree.QName(element).localname)
        if kind:
            nodes[element.get("id", "")] = (element, kind)
    following: dict[str, list[str]] = {}
    for flow in process.iterfind("bpmn:sequenceFlow", _NS):
        following.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
    queue = [node_id for node_id, (_el, kind) in nodes.items() if kind == "start"]
    seen: list[str] = []
    while queue:
        node_id = queue.pop(0)
        if node_id in seen or node_id not in nodes:
            continue
        seen.append(node_id)
        queue.extend(following.get(node_id, []))
    seen += [n for n in nodes if n not in seen]
    steps = []
    for node_id in seen:
        element, kind = nodes[node_id]
        steps.append(
            Step(
                id=node_id,
                name=element.get("name") or node_id,
                role=lane_of.get(node_id, ""),
                kind=kind,
            )
        )
    return steps


def source_of(version: Any) -> str:
    """The BPMN a version runs: its own, or the default sequential process."""
    return str(version.process_bpmn or "") or default_process()


def steps_of(source: str) -> list[Step]:
    """The steps of a stored (already validated) process, or of the default one."""
    return validate(source or default_process())
