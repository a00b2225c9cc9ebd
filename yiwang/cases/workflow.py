"""A case's process on SpiffWorkflow: start, load, advance, return, and the open steps.

* The process is the case version's BPMN 2.0 (or the catalogue's default 受理 → 审查 → 决定),
  parsed once per version and cached: a published version never changes, so a running case
  keeps the process it started with even after the implementation publishes a new one.
* The engine's state is serialised into ``Case.workflow_state`` in the same transaction as
  the step that changed it; the parsed spec is not stored with it (it is the version's), so a
  case's state grows with the steps it has run, not with the size of the process definition.
* Every ready user task is mirrored as an open ``CaseTask`` in the queue of its role and
  department. The lane names the role (``approver``); a lane named ``role@DEPARTMENT`` puts its
  steps in that other department's queue (并联审批: a parallel gateway with one lane per
  department).
* Exclusive gateways read the form data (top-level field names) and the data a step adds
  (``inspection_passed``). Expressions must pass the whitelist of
  ``yiwang/kernel/expressions.py`` (checked when the catalogue saves the process and again
  before each evaluation) and run with no builtins beyond a few pure ones; script tasks are
  refused — a catalogue editor writes BPMN, not code.
"""

from __future__ import annotations

import builtins
import functools
import json
import logging
import uuid
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import Case, CaseTask, TaskStatus
from yiwang.catalog import services as catalog
from yiwang.kernel import expressions
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department

_SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name) for name in expressions.SAFE_FUNCTIONS
} | {"True": True, "False": False, "None": None}


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Evaluates gateway conditions over the task data with no access to Python's
    internals; refuses scripts."""

    def evaluate(self, expression: str, context: Any, external_context: Any = None) -> Any:
        expressions.check(expression)  # the whitelist of yiwang/kernel/expressions.py
        names = dict(external_context or {})
        names.update(context)
        return eval(expression, {"__builtins__": _SAFE_BUILTINS}, names)  # noqa: S307

    def execute(self, script: str, context: Any, external_context: Any = None) -> bool:
        raise ValueError("script tasks are not allowed in case processes")


# SpiffWorkflow logs every state change at INFO: the case timeline is our record of steps.
logging.getLogger("spiff").setLevel(logging.WARNING)

ENGINE = PythonScriptEngine(environment=SandboxEnvironment())
SERIALIZER = BpmnWorkflowSerializer()


def _failure(exc: Exception) -> DomainError:
    message = getattr(exc, "error_type", "") or str(exc).split("\n")[0][:300]
    return DomainError(
        ErrorCode.PROCESS_ERROR,
        _("流程无法继续:%(msg)s。请补充流程所需的数据后重试。") % {"msg": message},
        status=422,
    )


# --- the process definition of a version ----------------------------------------------------


@functools.lru_cache(maxsize=512)
def _spec(version_id: int, source: str) -> tuple[Any, dict[str, Any]]:
    """The parsed process of a version and its serialised form (cached: versions are
    immutable once published, and the source is part of the key)."""
    parser = BpmnParser()
    root = etree.fromstring(
        source.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True)
    )
    parser.add_bpmn_xml(etree.ElementTree(root), filename=f"version-{version_id}.bpmn")
    process_id = root.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process").get("id")
    spec = parser.get_spec(process_id)
    return spec, SERIALIZER.to_dict(spec)


def _version_id(case: Case) -> int:
    if case.version_id is None:  # a life event's parent runs no process of its own
        raise DomainError(ErrorCode.PROCESS_ERROR, _("该办件没有自己的办理流程。"), status=409)
    return int(case.version_id)


def _source(case: Case) -> str:
    _version_id(case)
    return catalog.process_source(case.version)  # type: ignore[arg-type]


def spec_for(case: Case) -> Any:
    return _spec(_version_id(case), _source(case))[0]


# --- state -----------------------------------------------------------------------------------


def _save(case: Case, workflow: BpmnWorkflow) -> None:
    """Keep the engine's state as JSON text inside the JSON field: SpiffWorkflow's format
    depends on the order of its keys, which PostgreSQL's ``jsonb`` does not keep."""
    state = SERIALIZER.to_dict(workflow)
    state.pop("spec", None)  # the version's; put back on load
    state.pop("subprocess_specs", None)
    case.workflow_state = {
        "serializer_version": SERIALIZER.VERSION,
        "state": json.dumps(state, cls=SERIALIZER.json_encoder_cls, ensure_ascii=False),
    }


def load(case: Case) -> BpmnWorkflow:
    """The case's running process, as last saved."""
    stored = case.workflow_state or {}
    if "state" not in stored:
        raise DomainError(ErrorCode.PROCESS_ERROR, _("该办件没有运行中的流程。"), status=409)
    spec_dict = _spec(_version_id(case), _source(case))[1]
    state = json.loads(stored["state"], cls=SERIALIZER.json_decoder_cls)
    state["spec"] = spec_dict
    state["subprocess_specs"] = {}
    state["serializer_version"] = stored.get("serializer_version", SERIALIZER.VERSION)
    workflow: BpmnWorkflow = SERIALIZER.from_dict(state)
    workflow.script_engine = ENGINE
    return workflow


def _root_data(case: Case) -> dict[str, Any]:
    data = {k: v for k, v in (case.form_data or {}).items() if str(k).isidentifier()}
    data["case_channel"] = case.channel
    return data


def start(case: Case) -> BpmnWorkflow:
    """Start the case's process; the first steps become open tasks. Saves nothing but the
    case's fields (the caller saves the case)."""
    workflow = BpmnWorkflow(spec_for(case), script_engine=ENGINE)
    workflow.task_tree.data.update(_root_data(case))
    _advance(workflow)
    _save(case, workflow)
    sync(case, workflow, fresh=True)
    return workflow


def _advance(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except (WorkflowException, ValueError, NameError, TypeError) as exc:
        raise _failure(exc) from exc


# --- steps -----------------------------------------------------------------------------------


def ready_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for t in workflow.get_tasks(state=TaskState.READY) if hasattr(t.task_spec, "lane")]


def lane_target(case: Case, lane: str | None) -> tuple[str, int]:
    """The role and department (id) of a lane: ``approver`` (the case's department) or
    ``approver@420106-XFJY`` (that department)."""
    role, _sep, code = (lane or "").partition("@")
    if not code:
        return role, case.department_id
    department = _department(code.strip())
    if department is None:
        raise DomainError(
            ErrorCode.PROCESS_ERROR,
            _("流程泳道“%(lane)s”指向不存在的部门。") % {"lane": lane},
            status=422,
        )
    return role.strip(), department.pk


def _department(code: str) -> Department | None:
    # Not cached: departments are few per process, and a cache would outlive a renamed or
    # re-created department.
    return Department.objects.filter(code=code).first()


def sync(case: Case, workflow: BpmnWorkflow, *, fresh: bool = False) -> list[CaseTask]:
    """Open a ``CaseTask`` for every ready user task that has none; cancel open ones the
    process no longer waits for (after a return or a cancellation). Returns the new ones.
    ``fresh``: the process has just started, so the case has no steps yet."""
    open_rows = {} if fresh else {t.task_id: t for t in case.tasks.filter(status=TaskStatus.OPEN)}
    created = []
    ready_ids = set()
    for task in ready_tasks(workflow):
        task_id = str(task.id)
        ready_ids.add(task_id)
        if task_id in open_rows:
            continue
        role, department_id = lane_target(case, task.task_spec.lane)
        created.append(
            CaseTask(
                case=case,
                task_id=task_id,
                step=task.task_spec.name,
                name=task.task_spec.bpmn_name or task.task_spec.name,
                role=role,
                department_id=department_id,
            )
        )
    if created:
        CaseTask.objects.bulk_create(created)
    stale = [row.pk for task_id, row in open_rows.items() if task_id not in ready_ids]
    if stale:
        CaseTask.objects.filter(pk__in=stale).update(status=TaskStatus.CANCELLED)
    return created


def complete(case: Case, workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> None:
    """Run one ready user task with the data the handler gave, then everything automatic
    that follows (gateways, events), and save."""
    task = _ready(workflow, task_id)
    task.data.update(data)
    try:
        task.run()
    except (WorkflowException, ValueError, NameError, TypeError) as exc:
        raise _failure(exc) from exc
    _advance(workflow)
    _save(case, workflow)


def _ready(workflow: BpmnWorkflow, task_id: str) -> Any:
    try:
        task = workflow.get_task_from_id(uuid.UUID(task_id))
    except (ValueError, KeyError, WorkflowException):
        task = None
    if task is None or task.state != TaskState.READY:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION, _("该环节已办理或已不在当前流程中。"), status=409
        )
    return task


def done_steps(workflow: BpmnWorkflow) -> list[str]:
    """The ids of the user steps already completed, in order (targets for a return)."""
    seen: list[str] = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if hasattr(task.task_spec, "lane") and task.task_spec.name not in seen:
            seen.append(task.task_spec.name)
    return seen


def return_to(case: Case, workflow: BpmnWorkflow, step: str) -> None:
    """Back to the latest completed run of ``step``: it and everything after it run again."""
    done = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.name == step and hasattr(t.task_spec, "lane")
    ]
    if not done:
        raise DomainError(
            ErrorCode.RETURN_TARGET_INVALID,
            _("只能退回到已经办理过的环节。"),
            status=422,
            errors=[
                {
                    "field": "return_to",
                    "code": "return_target_invalid",
                    "message": _("只能退回到已经办理过的环节。"),
                }
            ],
        )
    target = max(done, key=lambda t: t.last_state_change)
    workflow.reset_from_task_id(target.id)
    _advance(workflow)
    _save(case, workflow)


def cancel(case: Case, workflow: BpmnWorkflow | None = None) -> None:
    """Stop the process (a refusal, a disapproval, an instant completion)."""
    if workflow is None and case.workflow_state:
        workflow = load(case)
    if workflow is not None and not workflow.is_completed():
        workflow.cancel()
        _save(case, workflow)
    case.tasks.filter(status=TaskStatus.OPEN).update(status=TaskStatus.CANCELLED)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return bool(workflow.is_completed())
