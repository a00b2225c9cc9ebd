"""The staff workbench pages (办件工作台), under ``/staff/cases/``.

* The workbench: the caller's queues as tabs with their counts (to accept, open steps, due
  soon, overdue, clock stopped), each a table with filters and sortable columns.
* Search by case number, applicant, item, state and department.
* A case: the applicant (masked unless the caller's department handles the case), the form,
  the materials, the deadlines and the clock, the process's steps with their opinions, the
  timeline, and the actions the caller may take now. Each action posts to one view that calls
  exactly one service; a refusal comes back in the error summary and on the field it names.

Like the API, the pages answer 403 to a signed-in member of the staff without any role for
cases, and 404 for a case the caller does not see as staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yiwang.cases import access, clock, handling, paperless, permissions, queues, services
from yiwang.cases.forms_applicant import field_names
from yiwang.cases.forms_staff import (
    CompleteTaskForm,
    QueueFilterForm,
    ReasonForm,
    SearchForm,
    SupplementForm,
    WorkbenchForm,
    decision_fields,
)
from yiwang.cases.models import (
    Case,
    CaseStatus,
    CaseTask,
    Decision,
    MaterialStatus,
    TaskOutcome,
    TaskStatus,
)
from yiwang.kernel import files
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.models import Role
from yiwang.kernel.permissions import can

PAGE_SIZE = 30
ROLE_LABELS: dict[str, Any] = dict(Role.choices)

View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Signed-in staff with a role for cases only: anyone else is sent to the staff sign-in,
    a citizen or a member of staff without such a role gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_staff or not queues.is_staff_member(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def _case_or_404(user: Any, case_id: int) -> Case:
    """A case the caller sees as staff; 404 alike when missing or out of sight."""
    case: Case | None = (
        queues.search(user)
        .select_related("department__region", "acceptance_notice", "result_document")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _nav(user: Any, current: str) -> dict[str, Any]:
    counts = queues.counts(user)
    return {
        "nav_current": current,
        "tabs": [
            {"name": name, "label": queues.QUEUES[name], "count": counts[name]}
            for name in queues.available(user)
        ],
    }


# --- the workbench --------------------------------------------------------------------------

COLUMNS: dict[str, Any] = {
    "case_no": gettext_lazy("办件编号"),
    "item": gettext_lazy("事项名称"),
    "applicant": gettext_lazy("申请人"),
    "department": gettext_lazy("办理部门"),
    "submitted": gettext_lazy("提交时间"),
    "step": gettext_lazy("当前环节"),
    "arrived": gettext_lazy("到达时间"),
    "due": gettext_lazy("承诺办结日期"),
    "status": gettext_lazy("状态"),
}
QUEUE_COLUMNS: dict[str, list[str]] = {
    queues.INTAKE: ["case_no", "item", "applicant", "department", "submitted"],
    queues.TASKS: ["case_no", "item", "step", "department", "arrived", "due"],
    queues.DUE_SOON: ["case_no", "item", "applicant", "department", "due"],
    queues.OVERDUE: ["case_no", "item", "applicant", "department", "due"],
    queues.SUSPENDED: ["case_no", "item", "applicant", "department", "due"],
}
SEARCH_COLUMNS = ["case_no", "item", "applicant", "department", "submitted", "status"]
EMPTY: dict[str, Any] = {
    queues.INTAKE: gettext_lazy("没有等待受理的办件。"),
    queues.TASKS: gettext_lazy("没有等待您办理的环节。"),
    queues.DUE_SOON: gettext_lazy("没有即将到期的办件。"),
    queues.OVERDUE: gettext_lazy("没有超期的办件。"),
    queues.SUSPENDED: gettext_lazy("没有暂停计时的办件。"),
}


def _columns(names: list[str], sort: str, sortable: dict[str, str]) -> list[dict[str, Any]]:
    columns = []
    for name in names:
        state = "ascending" if sort == name else "descending" if sort == f"-{name}" else ""
        columns.append(
            {
                "name": name,
                "label": COLUMNS[name],
                "sortable": name in sortable,
                "sort": state,
                "next": f"-{name}" if state == "ascending" else name,
            }
        )
    return columns


def _rows(objects: list[Any], viewer: queues.Viewer) -> list[dict[str, Any]]:
    rows = []
    for obj in objects:
        task = obj if isinstance(obj, CaseTask) else None
        case: Case = obj.case if task is not None else obj
        rows.append(
            {
                "case": case,
                "task": task,
                "role_label": ROLE_LABELS.get(task.role, task.role) if task else "",
                "applicant": queues.applicant_of(case, viewer),
            }
        )
    return rows


@staff_page
def workbench(request: HttpRequest, name: str = "") -> HttpResponse:
    user: Any = request.user
    available = queues.available(user)
    name = name or available[0]
    if name not in available:
        raise Http404
    departments = list(queues.departments(user))
    form = QueueFilterForm(request.GET or None, departments=departments)
    sortable = queues.TASK_SORTS if name == queues.TASKS else queues.CASE_SORTS
    sort = form.value("sort") or ""
    if sort.removeprefix("-") not in sortable:
        sort = queues.DEFAULT_SORT[name]
    rows = queues.refine(
        queues.queue(user, name),
        name,
        q=form.value("q") or "",
        department=form.value("department"),
        sort=sort,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "queue": name,
        "queue_label": queues.QUEUES[name],
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "page": page,
        "rows": _rows(list(page.object_list), queues.Viewer.of(user)),
        "columns": _columns(QUEUE_COLUMNS[name], sort, sortable),
        "sort": sort,
        "empty": EMPTY[name],
        **_nav(user, name),
    }
    return render(request, "cases/staff/workbench.html", context)


@staff_page
def search(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = SearchForm(request.GET or None, departments=list(queues.departments(user)))
    page = None
    rows: list[dict[str, Any]] = []
    if form.has_criteria():
        found = queues.search(
            user,
            case_no=form.value("case_no") or "",
            applicant=form.value("applicant") or "",
            item=form.value("item") or "",
            status=form.value("status") or "",
            department=form.value("department"),
        )
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = _rows(list(page.object_list), queues.Viewer.of(user))
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "page": page,
        "rows": rows,
        "columns": _columns(SEARCH_COLUMNS, "", {}),
        **_nav(user, "search"),
    }
    return render(request, "cases/staff/search.html", context)


# --- a case ---------------------------------------------------------------------------------

EVENT_LABELS: dict[str, Any] = {
    "draft_created": gettext_lazy("创建申请"),
    "submitted": gettext_lazy("提交申请"),
    "accepted": gettext_lazy("受理"),
    "refused": gettext_lazy("不予受理"),
    "supplement_requested": gettext_lazy("一次性告知补正"),
    "resubmitted": gettext_lazy("补正后重新提交"),
    "suspended": gettext_lazy("暂停计时（特别程序）"),
    "resumed": gettext_lazy("恢复计时"),
    "task_completed": gettext_lazy("办理环节"),
    "instant_completed": gettext_lazy("即办件当场办结"),
    "auto_approved": gettext_lazy("秒批"),
    "completed": gettext_lazy("办结"),
    "acceptance_notice_issued": gettext_lazy("出具受理通知书"),
    "decision_document_issued": gettext_lazy("出具决定书"),
    "auto_approval_declined": gettext_lazy("未通过秒批，转人工办理"),
    "bundle_created": gettext_lazy("创建一件事申请"),
    "bundle_form_saved": gettext_lazy("保存一件事申请表"),
    "bundle_material_attached": gettext_lazy("上传一件事材料"),
    "bundle_submitted": gettext_lazy("提交一件事申请"),
    "delivery_chosen": gettext_lazy("选择送达方式"),
    "result_shipped": gettext_lazy("结果已寄出"),
    "result_delivered": gettext_lazy("结果已送达"),
    "result_picked_up": gettext_lazy("结果已领取"),
}
_PERSONAL = {
    "applicant.name": SensitiveKind.TEXT,
    "applicant.id_number": SensitiveKind.ID_NUMBER,
    "applicant.mobile": SensitiveKind.MOBILE,
}


def _form_rows(case: Case, in_clear: bool) -> list[dict[str, Any]]:
    """The application form as label/value rows in the form's order; personal identifiers
    masked for a viewer whose department does not handle the case."""
    version = case.version
    schema = (version.form_schema if version else None) or {}
    properties = schema.get("properties") or {}
    order = field_names(schema, (version.form_ui if version else None) or {})
    data = case.form_data or {}
    order += [n for n in data if n not in order]
    rows = []
    for name in order:
        if name not in data:
            continue
        found = properties.get(name)
        spec: dict[str, Any] = found if isinstance(found, dict) else {}
        value = data[name]
        text = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        kind = _PERSONAL.get(str(spec.get("x-meaning", "")))
        if kind is not None and not in_clear:
            text = mask(text, kind)
        rows.append({"label": spec.get("title", name), "value": text})
    return rows


def _item_labels(case: Case) -> dict[str, str]:
    """The names a supplement item's ``field`` stands for: form fields and materials."""
    schema = (case.version.form_schema if case.version else None) or {}
    labels = {
        f"form/{name}": str(spec.get("title", name)) if isinstance(spec, dict) else str(name)
        for name, spec in (schema.get("properties") or {}).items()
    }
    labels.update({f"materials.{m.code}": m.name for m in case.materials.all()})
    return labels


def _items(items: Any, labels: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"label": labels.get(str(i.get("field", "")), str(i.get("field", ""))), **i}
        for i in (items or [])
        if isinstance(i, dict)
    ]


def _timeline(case: Case, labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for event in case.events.select_related("actor").all():
        details = event.details or {}
        label = EVENT_LABELS.get(event.kind, event.kind)
        if event.kind == "task_completed":
            outcome = dict(TaskOutcome.choices).get(details.get("outcome", ""), "")
            label = _("%(step)s：%(outcome)s") % {
                "step": details.get("step_name") or details.get("step", ""),
                "outcome": outcome,
            }
        actor: Any = event.actor
        rows.append(
            {
                "at": event.at,
                "label": label,
                "actor": actor.get_username() if actor else "",
                "note": event.note,
                "items": _items(details.get("items"), labels)
                if event.kind == "supplement_requested"
                else None,
            }
        )
    return rows


def _may_clock(user: Any, case: Case) -> bool:
    return can(user, permissions.HANDLE, department=case.department) or can(
        user, permissions.INTAKE, department=case.department
    )


def _task_forms(
    user: Any, case: Case, steps: list[CaseTask], bound: dict[str, Any]
) -> list[CompleteTaskForm]:
    """A completion form for each open step the caller may work now."""
    if case.status != CaseStatus.ACCEPTED or case.suspended_at is not None:
        return []
    done: dict[str, str] = {}
    for step in steps:
        if step.status == TaskStatus.DONE:
            done.setdefault(step.step, step.name)
    result = []
    for task in steps:
        if task.status != TaskStatus.OPEN or not handling.may_work(user, task):
            continue
        key = f"task-{task.pk}"
        if key in bound:
            result.append(bound[key])
            continue
        targets = [(s, n) for s, n in done.items() if s != task.step]
        result.append(
            CompleteTaskForm(
                task=task, return_targets=targets, decisions=decision_fields(case, task.step)
            )
        )
    return result


def _detail_context(
    request: HttpRequest, case: Case, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the case page shows; ``bound`` holds the forms of a refused action."""
    user: Any = request.user
    bound = bound or {}
    viewer = queues.Viewer.of(user)
    in_clear = viewer.handles(case)
    steps = list(
        case.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.DONE])
        .select_related("department", "completed_by")
        .order_by("created_at", "id")
    )
    may_intake = access.may_intake(user, case)
    status = case.status
    instant = case.version is not None and case.version.handling_kind == "instant"
    used, left = clock.time_used_and_left(case)
    running = status == CaseStatus.ACCEPTED
    may_clock = running and _may_clock(user, case)
    task_forms = _task_forms(user, case, steps, bound)
    actions = {
        "accept": may_intake and status == CaseStatus.SUBMITTED,
        "instant": may_intake
        and instant
        and status in (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED)
        and case.suspended_at is None,
        "refuse": may_intake and status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT),
        "supplement": may_intake and status == CaseStatus.SUBMITTED,
        "suspend": may_clock and case.suspended_at is None,
        "resume": may_clock and case.suspended_at is not None,
    }
    accept_form = bound.get("accept") or WorkbenchForm(prefix="accept")
    accept_form.summary_fallback = "action-accept"
    instant_form = bound.get("instant") or WorkbenchForm(prefix="instant")
    instant_form.summary_fallback = "action-instant"
    resume_form = bound.get("resume") or WorkbenchForm(prefix="resume")
    resume_form.summary_fallback = "action-resume"
    refuse_form = bound.get("refuse") or ReasonForm(prefix="refuse", label=_("不予受理的理由"))
    suspend_form = bound.get("suspend") or ReasonForm(prefix="suspend", label=_("暂停计时的理由"))
    supplement_form = bound.get("supplement") or SupplementForm(case=case)
    summary: list[dict[str, str]] = []
    for form in bound.values():
        summary += form.summary()
    materials = list(case.materials.select_related("file").all())
    open_supplement = next(
        (s for s in reversed(list(case.supplements.all())) if s.resolved_at is None), None
    )
    labels = _item_labels(case)
    return {
        "case": case,
        "applicant": queues.applicant_of(case, viewer),
        "in_clear": in_clear,
        "form_rows": _form_rows(case, in_clear),
        "materials": materials,
        "material_rows": [(m, paperless.licence_check(m)) for m in materials],
        "uploaded": MaterialStatus.UPLOADED,
        "steps": [{"task": s, "role_label": ROLE_LABELS.get(s.role, s.role)} for s in steps],
        "timeline": _timeline(case, labels),
        "open_supplement": _items(open_supplement.items, labels) if open_supplement else [],
        "time_used": used,
        "time_left": left,
        "overdue_days": -left if left is not None and left < 0 else None,
        "instant": instant,
        "approved": case.decision == Decision.APPROVE,
        "actions": actions,
        "task_forms": task_forms,
        "waiting_steps": [
            s for s in steps if s.status == TaskStatus.OPEN and not handling.may_work(user, s)
        ],
        "has_actions": any(actions.values()) or bool(task_forms),
        "accept_form": accept_form,
        "instant_form": instant_form,
        "resume_form": resume_form,
        "refuse_form": refuse_form,
        "suspend_form": suspend_form,
        "supplement_form": supplement_form,
        "summary": summary,
        **_nav(user, "case"),
    }


@staff_page
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request.user, case_id)
    return render(request, "cases/staff/case.html", _detail_context(request, case))


# --- actions --------------------------------------------------------------------------------


def _complete(request: HttpRequest, case: Case) -> tuple[str, Any, str]:
    """The task form of the step named in the post, and the service call it makes."""
    raw = request.POST.get("task", "")
    task: CaseTask | None = (
        case.tasks.select_related("case", "department").filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if task is None:
        raise Http404
    done = {
        t.step: t.name
        for t in case.tasks.filter(status=TaskStatus.DONE).order_by("created_at", "id")
        if t.step != task.step
    }
    form = CompleteTaskForm(
        request.POST,
        task=task,
        return_targets=list(done.items()),
        decisions=decision_fields(case, task.step),
    )
    return f"task-{task.pk}", form, task.name


ACTIONS = {"accept", "instant", "refuse", "supplement", "complete", "suspend", "resume"}


@require_POST
@staff_page
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in ACTIONS:
        raise Http404
    case = _case_or_404(user, case_id)
    step_name = ""
    form: Any
    if action == "complete":
        key, form, step_name = _complete(request, case)
    elif action in {"refuse", "suspend"}:
        key, form = action, ReasonForm(request.POST, prefix=action)
    elif action == "supplement":
        key, form = action, SupplementForm(request.POST, case=case)
    else:
        key, form = action, WorkbenchForm(request.POST, prefix=action)
        form.summary_fallback = f"action-{action}"
    if not form.is_valid():
        context = _detail_context(request, case, {key: form})
        return render(request, "cases/staff/case.html", context, status=422)
    data = form.cleaned_data
    try:
        if action == "accept":
            done = services.accept(actor=user, case=case)
            message = _("已受理。承诺办结日期：%(due)s。") % {"due": done.promised_due or "—"}
        elif action == "instant":
            done = handling.complete_instant(actor=user, case=case)
            message = _("即办件已当场办结。")
        elif action == "refuse":
            done = services.refuse(actor=user, case=case, reason=data.get("reason", ""))
            message = _("已作出不予受理决定，申请人将收到理由。")
        elif action == "supplement":
            items = form.items()
            done = services.request_supplement(actor=user, case=case, items=items)
            message = _("已一次性告知申请人需补正的全部内容。")
        elif action == "suspend":
            done = clock.suspend(actor=user, case=case, reason=data.get("reason", ""))
            message = _("已暂停计时（特别程序）。")
        elif action == "resume":
            done = clock.resume(actor=user, case=case)
            message = _("已恢复计时，暂停期间的工作日已顺延到期日。")
        else:
            outcome = data["outcome"]
            done = handling.complete_task(
                actor=user,
                task=form.task,
                outcome=outcome,
                opinion=data.get("opinion", ""),
                data=form.data_for_process(),
                return_to=data.get("return_to", "") or "",
            )
            message = _completed_message(done, outcome, step_name)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        form.apply_error(exc)
        fresh = _case_or_404(user, case_id)
        context = _detail_context(request, fresh, {key: form})
        return render(request, "cases/staff/case.html", context, status=exc.status)
    messages.success(request, message)
    return redirect("cases_staff:case", case_id=done.pk)


def _completed_message(case: Case, outcome: str, step: str) -> str:
    if case.status == CaseStatus.COMPLETED:
        if case.decision == Decision.APPROVE:
            return _("“%(step)s”已办理，办件已办结（准予）。") % {"step": step}
        return _("已作出不予决定，办件已办结。")
    if outcome == TaskOutcome.RETURN:
        return _("“%(step)s”已退回。") % {"step": step}
    return _("“%(step)s”已办理，办件已转入下一环节。") % {"step": step}


# --- files ----------------------------------------------------------------------------------


def _download(record: Any) -> HttpResponse:
    try:
        handle = files.open_file(record)
    except OSError as exc:  # missing or altered: the file cannot be given out as it was
        raise Http404 from exc
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        handle, as_attachment=True, filename=record.name, content_type=record.content_type
    )
    return response


@staff_page
def material_file(request: HttpRequest, case_id: int, code: str) -> HttpResponse:
    """The file submitted for one material requirement."""
    case = _case_or_404(request.user, case_id)
    material = case.materials.select_related("file").filter(code=code).first()
    if material is None or material.file is None:
        raise Http404
    return _download(material.file)


DOCUMENTS = {"acceptance-notice": "acceptance_notice", "result": "result_document"}


@staff_page
def document_file(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """The acceptance notice or the result document of a case."""
    case = _case_or_404(request.user, case_id)
    record = getattr(case, DOCUMENTS[kind], None) if kind in DOCUMENTS else None
    if record is None:
        raise Http404
    return _download(record)
