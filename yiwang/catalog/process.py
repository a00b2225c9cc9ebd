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
from yiwang.kernel.models import Role

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
    """A BPMN 2.0 document for the default sequential process (受理 → 审查 → 决定)."""
    lanes = sorted({role for _, _, role in DEFAULT_STEPS})
    nodes = ["start", *[step for step, _, _ in DEFAULT_STEPS], "end"]
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{role}" name="{role}">'
        + "".join(
            f"<bpmn:flowNodeRef>{step}</bpmn:flowNodeRef>"
            for step, _, r in DEFAULT_STEPS
            if r == role
        )
        + ("<bpmn:flowNodeRef>start</bpmn:flowNodeRef>" if role == Role.WINDOW_CLERK else "")
        + ("<bpmn:flowNodeRef>end</bpmn:flowNodeRef>" if role == Role.APPROVER else "")
        + "</bpmn:lane>"
        for role in lanes
    )
    tasks = "".join(
        f'<bpmn:userTask id="{step}" name="{name}" />' for step, name, _ in DEFAULT_STEPS
    )
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />'
        for a, b in itertools.pairwise(nodes)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="definitions" '
        'targetNamespace="https://yiwang.example/bpmn">'
        f'<bpmn:process id="{process_id}" isExecutable="true">'
        f"<bpmn:laneSet>{lane_xml}</bpmn:laneSet>"
        '<bpmn:startEvent id="start" name="申请" />'
        f"{tasks}"
        '<bpmn:endEvent id="end" name="办结" />'
        f"{flows}"
        "</bpmn:process></bpmn:definitions>"
    )


def _parse_xml(source: str) -> Any:
    if len(source.encode()) > MAX_BPMN_BYTES:
        raise _error(_("流程文件超过 512 KB。"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(source.encode(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _error(
            _("流程文件不是合法的 XML:%(msg)s") % {"msg": exc.msg}, line=exc.lineno
        ) from exc


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
        role = (lane.get("name") or "").strip()
        if role not in known:
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
    if errors:
        raise FieldErrors(ErrorCode.BPMN_INVALID, errors)
    parser = BpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename="process.bpmn")
        parser.get_spec(process_id)
    except ValidationException as exc:
        raise _error(
            _("流程无法解析:%(msg)s") % {"msg": getattr(exc, "message", str(exc))},
            element=getattr(exc, "id", ""),
            line=getattr(exc, "line_number", ""),
        ) from exc
    except Exception as exc:  # SpiffWorkflow raises plain exceptions on some malformed input
        raise _error(_("流程无法解析:%(msg)s") % {"msg": str(exc)[:300]}) from exc
    return _steps(process, lane_of)


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


def steps_of(source: str) -> list[Step]:
    """The steps of a stored (already validated) process, or of the default one."""
    return validate(source or default_process())
