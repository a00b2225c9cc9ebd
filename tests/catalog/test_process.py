"""An implementation's process as BPMN 2.0 (yiwang/catalog/process.py): the default process,
refusals that name the element and line at fault, hostile XML refused safely, and the steps
of a custom process in flow order."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.catalog import process, services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import ImplementationVersion
from yiwang.catalog.schemas import VersionIn

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def document(body: str, *, lanes: str = "") -> str:
    """A BPMN document with one process holding ``lanes`` and ``body``, one element a line."""
    lane_set = f"    <bpmn:laneSet>\n{lanes}    </bpmn:laneSet>\n" if lanes else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="defs" targetNamespace="https://t.example">\n'
        '  <bpmn:process id="proc" isExecutable="true">\n'
        f"{lane_set}{body}"
        "  </bpmn:process>\n"
        "</bpmn:definitions>\n"
    )


def lane(lane_id: str, role: str, *refs: str) -> str:
    inner = "".join(f"        <bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>\n" for r in refs)
    return f'      <bpmn:lane id="{lane_id}" name="{role}">\n{inner}      </bpmn:lane>\n'


SIMPLE_BODY = (
    '    <bpmn:startEvent id="start" name="申请" />\n'
    '    <bpmn:userTask id="accept" name="受理" />\n'
    '    <bpmn:endEvent id="end" name="办结" />\n'
    '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />\n'
    '    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="end" />\n'
)
SIMPLE_LANES = lane("lane_clerk", "window_clerk", "start", "accept", "end")

PARALLEL = document(
    # Declared out of order on purpose: the steps follow the flows, not the file.
    '    <bpmn:endEvent id="end" name="办结" />\n'
    '    <bpmn:userTask id="decide" name="决定" />\n'
    '    <bpmn:parallelGateway id="join" name="汇合" />\n'
    '    <bpmn:userTask id="fire" name="消防审查" />\n'
    '    <bpmn:userTask id="health" name="卫生审查" />\n'
    '    <bpmn:parallelGateway id="split" name="并联审批" />\n'
    '    <bpmn:userTask id="accept" name="受理" />\n'
    '    <bpmn:startEvent id="start" name="申请" />\n'
    '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />\n'
    '    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="split" />\n'
    '    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="fire" />\n'
    '    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="health" />\n'
    '    <bpmn:sequenceFlow id="f5" sourceRef="fire" targetRef="join" />\n'
    '    <bpmn:sequenceFlow id="f6" sourceRef="health" targetRef="join" />\n'
    '    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="decide" />\n'
    '    <bpmn:sequenceFlow id="f8" sourceRef="decide" targetRef="end" />\n',
    lanes=lane("lane_clerk", "window_clerk", "start", "accept")
    + lane("lane_approver", "approver", "fire", "health", "decide", "end"),
)


def refusal(source: str) -> list[dict[str, Any]]:
    with pytest.raises(FieldErrors) as caught:
        process.validate(source)
    assert caught.value.code == "bpmn_invalid"
    assert caught.value.status == 422
    errors: list[dict[str, Any]] = caught.value.details["errors"]
    assert all(e["field"] == "process_bpmn" for e in errors)
    return errors


def line_of(source: str, needle: str) -> int:
    return source[: source.index(needle)].count("\n") + 1


# --- the default process --------------------------------------------------------------------


def test_the_default_process_is_valid_and_sequential() -> None:
    steps = process.validate(process.default_process())
    assert [(s.id, s.name, s.kind, s.role) for s in steps] == [
        ("start", "申请", "start", "window_clerk"),
        ("accept", "受理", "task", "window_clerk"),
        ("review", "审查", "task", "approver"),
        ("decide", "决定", "task", "approver"),
        ("end", "办结", "end", "approver"),
    ]
    assert [s.name for s in process.steps_of("") if s.kind == "task"] == ["受理", "审查", "决定"]


def test_the_default_process_has_one_element_per_line() -> None:
    source = process.default_process("my_process")
    lines = source.splitlines()
    assert len(lines) > 20
    assert all(line.count("<") <= 2 for line in lines)  # an element, or an element with text
    assert '<bpmn:process id="my_process" isExecutable="true">' in source
    # so that an error in an edited copy points at a real line
    broken = source.replace('<bpmn:userTask id="review" name="审查" />', "<bpmn:userTask>")
    [error] = refusal(broken)
    assert error["line"] > line_of(source, 'id="review"')


# --- refusals -------------------------------------------------------------------------------


def test_malformed_xml_names_the_line() -> None:
    source = document(SIMPLE_BODY.replace('name="受理" />', 'name="受理">'), lanes=SIMPLE_LANES)
    [error] = refusal(source)
    assert error["code"] == "bpmn_invalid"
    assert "XML" in error["message"]
    assert error["line"] >= line_of(source, 'id="accept"')


@pytest.mark.parametrize("source", ["", "   ", "不是 XML", "<a><b></a>"])
def test_things_that_are_not_xml_are_refused(source: str) -> None:
    [error] = refusal(source)
    assert "XML" in error["message"]


def test_xml_that_is_not_bpmn_is_refused() -> None:
    [error] = refusal('<?xml version="1.0"?>\n<html><body>流程</body></html>')
    assert "definitions" in error["message"]
    assert error["line"] == 2
    # the right element name in the wrong namespace is still not BPMN
    refusal('<definitions xmlns="http://example.com/not-bpmn" id="d" />')


def test_exactly_one_process() -> None:
    two = document(SIMPLE_BODY, lanes=SIMPLE_LANES).replace(
        "</bpmn:definitions>",
        '<bpmn:process id="second" />\n</bpmn:definitions>',
    )
    [error] = refusal(two)
    assert "process" in error["message"]
    none = f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="d" targetNamespace="x" />'
    refusal(none)


def test_a_process_without_start_or_end_names_the_process() -> None:
    body = (
        '    <bpmn:userTask id="accept" name="受理" />\n'
        '    <bpmn:manualTask id="archive" name="归档" />\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="accept" targetRef="archive" />\n'
    )
    source = document(body, lanes=lane("lane_clerk", "window_clerk", "accept"))
    errors = refusal(source)
    assert [(e["code"], e["element"], e["line"]) for e in errors] == [
        ("bpmn_no_start", "proc", 3),
        ("bpmn_no_end", "proc", 3),
    ]


def test_an_unknown_lane_role_names_the_lane() -> None:
    lanes = lane("lane_boss", "boss", "start", "accept", "end")
    source = document(SIMPLE_BODY, lanes=lanes)
    [error] = refusal(source)
    assert error["code"] == "bpmn_unknown_role"
    assert error["element"] == "lane_boss"
    assert error["line"] == line_of(source, 'id="lane_boss"')
    assert "boss" in error["message"] and "window_clerk" in error["message"]


def test_a_user_task_outside_every_lane_is_refused() -> None:
    body = SIMPLE_BODY.replace(
        '    <bpmn:endEvent id="end"',
        '    <bpmn:userTask id="orphan" name="复核" />\n    <bpmn:endEvent id="end"',
    )
    source = document(body, lanes=SIMPLE_LANES)
    [error] = refusal(source)
    assert error["code"] == "bpmn_task_without_role"
    assert (error["element"], error["line"]) == ("orphan", line_of(source, 'id="orphan"'))
    assert "复核" in error["message"]


def test_a_flow_to_an_unknown_node_names_the_flow() -> None:
    source = document(
        SIMPLE_BODY.replace('targetRef="end"', 'targetRef="finish"'), lanes=SIMPLE_LANES
    )
    [error] = refusal(source)
    assert error["code"] == "bpmn_unknown_ref"
    assert (error["element"], error["line"]) == ("f2", line_of(source, 'id="f2"'))
    assert "finish" in error["message"]


def test_a_duplicate_id_names_the_second_element() -> None:
    body = SIMPLE_BODY.replace(
        '    <bpmn:endEvent id="end"',
        '    <bpmn:manualTask id="accept" />\n    <bpmn:endEvent id="end"',
    )
    source = document(body, lanes=SIMPLE_LANES)
    errors = refusal(source)
    assert [(e["code"], e["element"]) for e in errors] == [("bpmn_duplicate_id", "accept")]
    assert errors[0]["line"] == line_of(source, '<bpmn:manualTask id="accept"')


def test_a_process_spiffworkflow_cannot_build_names_the_element_and_line() -> None:
    body = SIMPLE_BODY.replace(
        '<bpmn:startEvent id="start" name="申请" />',
        '<bpmn:startEvent id="start" name="申请"><bpmn:timerEventDefinition /></bpmn:startEvent>',
    )
    source = document(body, lanes=SIMPLE_LANES)
    [error] = refusal(source)
    assert error["code"] == "bpmn_invalid"
    assert (error["element"], error["line"]) == ("start", line_of(source, 'id="start"'))


# --- hostile input --------------------------------------------------------------------------

XXE = document(
    "    <bpmn:documentation>&xxe;</bpmn:documentation>\n" + SIMPLE_BODY, lanes=SIMPLE_LANES
).replace(
    "<bpmn:definitions",
    '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions',
    1,
)

LAUGHS = "\n".join(
    [
        '<?xml version="1.0"?>',
        "<!DOCTYPE lolz [",
        ' <!ENTITY lol "lol">',
        *(
            f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        ),
        "]>",
        document(
            "    <bpmn:documentation>&lol9;</bpmn:documentation>\n" + SIMPLE_BODY,
            lanes=SIMPLE_LANES,
        ).split("\n", 1)[1],
    ]
)


@pytest.mark.parametrize("source", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_tricks_are_refused_without_being_expanded(source: str) -> None:
    [error] = refusal(source)
    assert "root:" not in error["message"]  # nothing of /etc/passwd
    assert "lollol" not in error["message"]
    assert len(error["message"]) < 500


def test_an_external_entity_in_an_attribute_is_refused() -> None:
    source = SIMPLE_BODY.replace('name="申请"', 'name="&xxe;"')
    source = document(source, lanes=SIMPLE_LANES).replace(
        "<bpmn:definitions",
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions',
        1,
    )
    [error] = refusal(source)
    assert "root:" not in error["message"]


def test_any_doctype_is_refused_with_its_line() -> None:
    source = document(SIMPLE_BODY, lanes=SIMPLE_LANES).replace(
        "<bpmn:definitions", "<!DOCTYPE definitions>\n<bpmn:definitions", 1
    )
    [error] = refusal(source)
    assert "DOCTYPE" in error["message"]
    assert error["line"] == 2


def test_an_oversize_file_is_refused_before_parsing() -> None:
    padding = "<!-- " + "填充" * (process.MAX_BPMN_BYTES // 6 + 1) + " -->\n"
    source = document(padding + SIMPLE_BODY, lanes=SIMPLE_LANES)
    assert len(source.encode()) > process.MAX_BPMN_BYTES
    [error] = refusal(source)
    assert "512" in error["message"]


# --- a custom process -----------------------------------------------------------------------


def test_a_parallel_process_gives_its_steps_in_flow_order() -> None:
    steps = process.validate(PARALLEL)
    assert [(s.id, s.kind, s.role) for s in steps] == [
        ("start", "start", "window_clerk"),
        ("accept", "task", "window_clerk"),
        ("split", "gateway", ""),
        ("fire", "task", "approver"),
        ("health", "task", "approver"),
        ("join", "gateway", ""),
        ("decide", "task", "approver"),
        ("end", "end", "approver"),
    ]
    assert [s.name for s in steps if s.kind == "task"] == ["受理", "消防审查", "卫生审查", "决定"]


def test_service_tasks_need_no_lane() -> None:
    body = SIMPLE_BODY.replace(
        '<bpmn:userTask id="accept" name="受理" />',
        '<bpmn:serviceTask id="accept" name="自动核验" />',
    )
    steps = process.validate(document(body))
    assert [(s.id, s.kind, s.role) for s in steps] == [
        ("start", "start", ""),
        ("accept", "task", ""),
        ("end", "end", ""),
    ]


# --- through the service --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_with_a_bad_process_is_refused_and_unchanged(
    implementation: Any, catalog_editor: Any
) -> None:
    version = implementation.versions.get()
    before = ImplementationVersion.objects.values().get(pk=version.pk)
    source = document(SIMPLE_BODY, lanes=lane("lane_x", "janitor", "start", "accept", "end"))
    with pytest.raises(FieldErrors) as caught:
        services.update_draft(
            actor=catalog_editor, version=version, data=VersionIn(process_bpmn=source)
        )
    assert caught.value.code == "bpmn_invalid"
    [error] = caught.value.details["errors"]
    assert (error["field"], error["code"], error["element"]) == (
        "process_bpmn",
        "bpmn_unknown_role",
        "lane_x",
    )
    assert ImplementationVersion.objects.values().get(pk=version.pk) == before


@pytest.mark.django_db
def test_a_draft_keeps_a_valid_custom_process(implementation: Any, catalog_editor: Any) -> None:
    version = implementation.versions.get()
    services.update_draft(
        actor=catalog_editor, version=version, data=VersionIn(process_bpmn=PARALLEL)
    )
    version.refresh_from_db()
    assert version.process_bpmn == PARALLEL
    assert "消防审查" in [s.name for s in process.steps_of(version.process_bpmn)]


# --- conditions, scripts and other departments' lanes ----------------------------------------

CONDITIONAL_BODY = (
    '    <bpmn:startEvent id="start" name="申请" />\n'
    '    <bpmn:userTask id="accept" name="受理" />\n'
    '    <bpmn:exclusiveGateway id="gw" default="f_end" />\n'
    '    <bpmn:endEvent id="end" name="办结" />\n'
    '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />\n'
    '    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="gw" />\n'
    '    <bpmn:sequenceFlow id="f_end" sourceRef="gw" targetRef="end" />\n'
    '    <bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="end">\n'
    "      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>\n"
    "    </bpmn:sequenceFlow>\n"
)
CONDITIONAL_LANES = lane("lane_clerk", "window_clerk", "start", "accept", "gw", "end")


def test_a_plain_condition_is_accepted() -> None:
    source = document(CONDITIONAL_BODY.format(condition="area &gt; 1000"), lanes=CONDITIONAL_LANES)
    assert [s.id for s in process.validate(source)][:2] == ["start", "accept"]


def test_a_condition_that_reaches_python_internals_is_refused_at_its_flow() -> None:
    condition = "().__class__.__bases__"
    source = document(CONDITIONAL_BODY.format(condition=condition), lanes=CONDITIONAL_LANES)

    errors = refusal(source)

    assert [(e["code"], e["element"]) for e in errors] == [("bpmn_condition_invalid", "f_big")]
    assert errors[0]["line"] == line_of(source, "<bpmn:conditionExpression>")


def test_a_script_task_is_refused() -> None:
    body = SIMPLE_BODY.replace(
        '<bpmn:userTask id="accept" name="受理" />', '<bpmn:scriptTask id="accept" name="受理" />'
    )
    errors = refusal(document(body, lanes=SIMPLE_LANES))
    assert "bpmn_script_not_allowed" in [e["code"] for e in errors]


def test_a_lane_of_an_unknown_department_is_refused(db: None) -> None:
    lanes = lane("lane_clerk", "window_clerk", "start", "end") + lane(
        "lane_fire", "approver@9999-NOPE", "accept"
    )
    errors = refusal(document(SIMPLE_BODY, lanes=lanes))
    assert [(e["code"], e["element"]) for e in errors] == [("bpmn_unknown_department", "lane_fire")]
