"""Public participation in the open-data portal: access applications for conditional datasets
(有条件开放申请), data requests (数据需求), ratings, comments and the view counter.

Every change is one ``@transaction.atomic`` service with a keyword-only ``actor``, audited in
the same transaction; refusals are audited too (``<action>_refused``). A publisher's clerk
is a user who may publish for the publisher's department (``services.can_publish``); to anyone
else a publisher's queue item is simply not there (404), as the platform's gate requires.
Deadlines are working days (:mod:`yiwang.kernel.calendar`), ``YIWANG_OPENDATA_DECISION_DAYS``
(10 by default) after the day of the application or request.

Decisions are told to the applicant through the outbox events
``opendata.application_decided`` and ``opendata.data_request_decided`` (the kernel has no
site-message facility of its own; a module that sends messages subscribes to them).

:func:`count_view` is a single ``UPDATE ... SET n = n + 1``, safe under concurrency and
deliberately not audited: it records use, not a decision (the download and API-call counters
are :func:`yiwang.opendata.services.count_download` and ``count_api_call``, moved where the
download and the API call happen).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.kernel import audit, calendar, events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.opendata import services
from yiwang.opendata.errors import ErrorCode
from yiwang.opendata.models import (
    AccessApplication,
    ApplicationStatus,
    Comment,
    DataRequest,
    DataRequestStatus,
    Dataset,
    DatasetState,
    OpenType,
    Publisher,
    Rating,
)

DECISION_DAYS = 10
PURPOSE_MAX = 2000
REQUEST_TITLE_MAX = 200
REQUEST_DESCRIPTION_MAX = 5000
REQUEST_PURPOSE_MAX = 500
ANSWER_MAX = 5000
REASON_MAX = 2000
COMMENT_MAX = 2000
RATING_MIN, RATING_MAX = 1, 5
VALID_DAYS_MAX = 3650

#: ``status`` filter value for open items past their deadline.
OVERDUE = "overdue"


# --- helpers ------------------------------------------------------------------------------------


def decision_days() -> int:
    return int(getattr(settings, "YIWANG_OPENDATA_DECISION_DAYS", DECISION_DAYS))


def _today() -> dt.date:
    return timezone.localdate()


def _is_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _require_user(actor: Any) -> None:
    if not _is_user(actor):
        raise DomainError(KernelCode.NOT_AUTHENTICATED, _("请先登录。"), status=401)


def _invalid(code: ErrorCode, field: str, message: str, *, status: int = 422) -> DomainError:
    return DomainError(code, message, status=status, errors={field: [message]})


def _text(
    value: str | None, *, code: ErrorCode, field: str, label: str, maximum: int, required: bool
) -> str:
    """``value`` stripped; refused when required and empty or when longer than ``maximum``."""
    value = (value or "").strip()
    if required and not value:
        raise _invalid(code, field, _("请填写%(label)s。") % {"label": label})
    if len(value) > maximum:
        raise _invalid(
            code,
            field,
            _("%(label)s不能超过 %(n)s 个字符。") % {"label": label, "n": maximum},
        )
    return value


def _active_dataset(dataset: Dataset, *, lock: bool = False) -> Dataset:
    rows = Dataset.objects.select_related("publisher__department")
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=dataset.pk, state=DatasetState.ACTIVE).first()
    if found is None:
        raise _not_found()
    return found


def _clerk_of(actor: Any, publisher: Publisher) -> None:
    """Only the publisher's clerks act on its queue; anyone else finds nothing there."""
    _require_user(actor)
    if not services.can_publish(actor, publisher):
        raise _not_found()


# --- access applications (有条件开放) -------------------------------------------------------


@audit.refusals_recorded("opendata.access_apply")
@transaction.atomic
def apply_for_access(*, actor: Any, dataset: Dataset, purpose: str) -> AccessApplication:
    """A registered user applies to use a conditional dataset, stating the purpose. One
    pending application per user and dataset; the publisher decides within
    ``YIWANG_OPENDATA_DECISION_DAYS`` working days."""
    _require_user(actor)
    dataset = _active_dataset(dataset)
    if dataset.open_type != OpenType.CONDITIONAL:
        raise _invalid(
            ErrorCode.APPLICATION_INVALID,
            "dataset",
            _("该数据集为无条件开放,无需申请,可直接使用。"),
            status=409,
        )
    purpose = _text(
        purpose,
        code=ErrorCode.APPLICATION_INVALID,
        field="purpose",
        label=_("用途"),
        maximum=PURPOSE_MAX,
        required=True,
    )
    mine = AccessApplication.objects.select_for_update().filter(dataset=dataset, applicant=actor)
    if mine.filter(status=ApplicationStatus.PENDING).exists():
        raise _invalid(
            ErrorCode.APPLICATION_INVALID,
            "dataset",
            _("您对该数据集已有待审核的申请。"),
            status=409,
        )
    if services.may_access(actor, dataset):
        raise _invalid(
            ErrorCode.APPLICATION_INVALID,
            "dataset",
            _("您已获准使用该数据集,无需再次申请。"),
            status=409,
        )
    application = AccessApplication.objects.create(
        dataset=dataset,
        applicant=actor,
        purpose=purpose,
        due_on=calendar.add_working_days(_today(), decision_days()),
    )
    audit.record(
        "opendata.access_applied",
        actor=actor,
        target=application,
        details={"dataset": dataset.name, "due_on": application.due_on},
    )
    events.emit(
        "opendata.application_created",
        {
            "application_id": application.pk,
            "dataset": dataset.name,
            "publisher": dataset.publisher.name,
            "due_on": application.due_on.isoformat(),
        },
    )
    return application


@audit.refusals_recorded("opendata.access_decide")
@transaction.atomic
def decide_access(
    *,
    actor: Any,
    application: AccessApplication,
    approve: bool,
    reason: str = "",
    valid_days: int | None = None,
) -> AccessApplication:
    """The publisher's clerk approves (for ``valid_days`` days, or without end when None) or
    rejects (a reason is required) a pending application. The applicant is told through
    the event ``opendata.application_decided``."""
    _require_user(actor)
    found = (
        AccessApplication.objects.select_for_update(of=("self",))
        .select_related("dataset__publisher__department")
        .filter(pk=application.pk)
        .first()
    )
    if found is None:
        raise _not_found()
    application = found
    _clerk_of(actor, application.dataset.publisher)
    if application.status != ApplicationStatus.PENDING:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("申请当前状态为“%(status)s”,不能再审核。")
            % {"status": ApplicationStatus(application.status).label},
            status=409,
        )
    reason = _text(
        reason,
        code=ErrorCode.APPLICATION_INVALID,
        field="reason",
        label=_("理由"),
        maximum=REASON_MAX,
        required=not approve,
    )
    now = timezone.now()
    expires_at = None
    if approve and valid_days is not None:
        if isinstance(valid_days, bool) or not 1 <= valid_days <= VALID_DAYS_MAX:
            raise _invalid(
                ErrorCode.APPLICATION_INVALID,
                "valid_days",
                _("有效天数应在 1 到 %(n)s 之间。") % {"n": VALID_DAYS_MAX},
            )
        expires_at = now + dt.timedelta(days=valid_days)
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    application.decided_by = actor
    application.decided_at = now
    application.reason = reason
    application.expires_at = expires_at
    application.save(update_fields=["status", "decided_by", "decided_at", "reason", "expires_at"])
    audit.record(
        "opendata.access_decided",
        actor=actor,
        target=application,
        details={
            "dataset": application.dataset.name,
            "status": application.status,
            "reason": reason,
            "expires_at": expires_at,
        },
    )
    events.emit(
        "opendata.application_decided",
        {
            "application_id": application.pk,
            "applicant_id": application.applicant_id,
            "dataset": application.dataset.name,
            "dataset_title": application.dataset.title,
            "status": application.status,
            "reason": reason,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return application


def applications_of(user: Any, *, status: str = "") -> QuerySet[AccessApplication]:
    """A user's own applications, newest first (``status``: a status or ``overdue``)."""
    if not _is_user(user):
        return AccessApplication.objects.none()
    rows = AccessApplication.objects.filter(applicant=user)
    return _by_status(rows, status, ApplicationStatus.PENDING)


def applications_for_clerk(
    user: Any, *, status: str = "", publisher: Publisher | None = None
) -> QuerySet[AccessApplication]:
    """The applications to the publishers ``user`` is a clerk of (the decision queue)."""
    publishers = services.publishers_for_user(user)
    if publisher is not None:
        publishers = publishers.filter(pk=publisher.pk)
    rows = AccessApplication.objects.filter(dataset__publisher__in=publishers)
    return _by_status(rows, status, ApplicationStatus.PENDING)


def _by_status(rows: QuerySet[Any], status: str, open_status: str) -> QuerySet[Any]:
    rows = rows.select_related("dataset__publisher")
    if status == OVERDUE:
        return rows.filter(status=open_status, due_on__lt=_today())
    if status:
        return rows.filter(status=status)
    return rows


def is_overdue(item: AccessApplication | DataRequest) -> bool:
    """Still open and past its deadline."""
    open_status = (
        ApplicationStatus.PENDING if isinstance(item, AccessApplication) else DataRequestStatus.OPEN
    )
    return item.status == open_status and item.due_on < _today()


# --- data requests (数据需求) ----------------------------------------------------------------


@audit.refusals_recorded("opendata.data_request_submit")
@transaction.atomic
def submit_data_request(
    *, actor: Any, publisher: Publisher, title: str, description: str, purpose: str = ""
) -> DataRequest:
    """A registered user asks ``publisher`` for data; due in working days."""
    _require_user(actor)
    code = ErrorCode.REQUEST_INVALID
    title = _text(
        title,
        code=code,
        field="title",
        label=_("需求名称"),
        maximum=REQUEST_TITLE_MAX,
        required=True,
    )
    description = _text(
        description,
        code=code,
        field="description",
        label=_("需求描述"),
        maximum=REQUEST_DESCRIPTION_MAX,
        required=True,
    )
    purpose = _text(
        purpose,
        code=code,
        field="purpose",
        label=_("用途"),
        maximum=REQUEST_PURPOSE_MAX,
        required=False,
    )
    found = Publisher.objects.filter(pk=publisher.pk).first()
    if found is None:
        raise _not_found()
    publisher = found
    request = DataRequest.objects.create(
        title=title,
        description=description,
        purpose=purpose,
        requester=actor,
        publisher=publisher,
        due_on=calendar.add_working_days(_today(), decision_days()),
    )
    audit.record(
        "opendata.data_request_submitted",
        actor=actor,
        target=request,
        details={"publisher": publisher.name, "title": title, "due_on": request.due_on},
    )
    events.emit(
        "opendata.data_request_created",
        {
            "request_id": request.pk,
            "publisher": publisher.name,
            "due_on": request.due_on.isoformat(),
        },
    )
    return request


def _open_request(actor: Any, request: DataRequest) -> DataRequest:
    _require_user(actor)
    found = (
        DataRequest.objects.select_for_update(of=("self",))
        .select_related("publisher__department")
        .filter(pk=request.pk)
        .first()
    )
    if found is None:
        raise _not_found()
    _clerk_of(actor, found.publisher)
    if found.status != DataRequestStatus.OPEN:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("数据需求当前状态为“%(status)s”,不能再答复。")
            % {"status": DataRequestStatus(found.status).label},
            status=409,
        )
    return found


def _request_decided(actor: Any, request: DataRequest, action: str) -> None:
    audit.record(
        action,
        actor=actor,
        target=request,
        details={
            "publisher": request.publisher.name,
            "status": request.status,
            "answer": request.answer,
            "dataset": request.dataset.name if request.dataset else None,
        },
    )
    events.emit(
        "opendata.data_request_decided",
        {
            "request_id": request.pk,
            "requester_id": request.requester_id,
            "title": request.title,
            "status": request.status,
            "answer": request.answer,
            "dataset": request.dataset.name if request.dataset else None,
        },
    )


@audit.refusals_recorded("opendata.data_request_answer")
@transaction.atomic
def answer_data_request(
    *, actor: Any, request: DataRequest, answer: str, dataset: Dataset | None = None
) -> DataRequest:
    """The publisher's clerk answers an open request, possibly pointing at one of its own
    published datasets."""
    request = _open_request(actor, request)
    answer = _text(
        answer,
        code=ErrorCode.REQUEST_INVALID,
        field="answer",
        label=_("答复"),
        maximum=ANSWER_MAX,
        required=True,
    )
    if dataset is not None:
        found = Dataset.objects.filter(
            pk=dataset.pk, publisher=request.publisher, state=DatasetState.ACTIVE
        ).first()
        if found is None:
            raise _invalid(
                ErrorCode.REQUEST_INVALID,
                "dataset",
                _("只能关联本机构已发布的数据集。"),
            )
        dataset = found
    request.status = DataRequestStatus.ANSWERED
    request.answer = answer
    request.dataset = dataset
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "dataset", "answered_by", "answered_at"])
    _request_decided(actor, request, "opendata.data_request_answered")
    return request


@audit.refusals_recorded("opendata.data_request_decline")
@transaction.atomic
def decline_data_request(*, actor: Any, request: DataRequest, reason: str) -> DataRequest:
    """The publisher's clerk declines an open request, giving the reason (kept as the
    answer)."""
    request = _open_request(actor, request)
    reason = _text(
        reason,
        code=ErrorCode.REQUEST_INVALID,
        field="reason",
        label=_("理由"),
        maximum=ANSWER_MAX,
        required=True,
    )
    request.status = DataRequestStatus.DECLINED
    request.answer = reason
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    _request_decided(actor, request, "opendata.data_request_declined")
    return request


def data_requests(*, publisher: Publisher | None = None, status: str = "") -> QuerySet[DataRequest]:
    """Data requests are public (as on CKAN's data-request pages); ``status`` is a status or
    ``overdue`` (open and past ``due_on``: the publisher's queue shows these first)."""
    rows = DataRequest.objects.select_related("publisher", "dataset")
    if publisher is not None:
        rows = rows.filter(publisher=publisher)
    if status == OVERDUE:
        return rows.filter(status=DataRequestStatus.OPEN, due_on__lt=_today())
    if status:
        return rows.filter(status=status)
    return rows


def data_request_queue(user: Any, *, status: str = "") -> QuerySet[DataRequest]:
    """The requests to the publishers ``user`` is a clerk of, oldest deadline first."""
    rows = data_requests(status=status).filter(publisher__in=services.publishers_for_user(user))
    return rows.order_by("due_on", "created_at")


# --- ratings and comments -------------------------------------------------------------------


@audit.refusals_recorded("opendata.rate")
@transaction.atomic
def rate_dataset(*, actor: Any, dataset: Dataset, score: int) -> Rating:
    """A registered user rates a published dataset 1 to 5, once."""
    _require_user(actor)
    if (
        isinstance(score, bool)
        or not isinstance(score, int)
        or not (RATING_MIN <= score <= RATING_MAX)
    ):
        raise _invalid(
            ErrorCode.RATING_INVALID,
            "rating",
            _("评分应为 %(lo)s 到 %(hi)s 的整数。") % {"lo": RATING_MIN, "hi": RATING_MAX},
            status=409,
        )
    dataset = _active_dataset(dataset)
    already = _invalid(ErrorCode.ALREADY_RATED, "rating", _("您已评价过该数据集。"), status=409)
    if Rating.objects.filter(dataset=dataset, user=actor).exists():
        raise already
    try:
        with transaction.atomic():
            rating = Rating.objects.create(dataset=dataset, user=actor, score=score)
    except IntegrityError:  # a concurrent second rating by the same user
        raise already from None
    Dataset.objects.filter(pk=dataset.pk).update(
        rating_count=F("rating_count") + 1, rating_total=F("rating_total") + score
    )
    audit.record(
        "opendata.dataset_rated",
        actor=actor,
        target=rating,
        details={"dataset": dataset.name, "score": score},
    )
    return rating


def rating_summary(dataset: Dataset) -> dict[str, Any]:
    """``{"average": 4.33 | None, "count": 3}`` as stored on the dataset."""
    row = Dataset.objects.filter(pk=dataset.pk).values("rating_count", "rating_total").first()
    if row is None:
        raise _not_found()
    count, total = int(row["rating_count"]), int(row["rating_total"])
    return {"average": round(total / count, 2) if count else None, "count": count}


@audit.refusals_recorded("opendata.comment")
@transaction.atomic
def comment_on_dataset(*, actor: Any, dataset: Dataset, body: str) -> Comment:
    """A registered user comments on a published dataset (1 to 2000 characters)."""
    _require_user(actor)
    body = _text(
        body,
        code=ErrorCode.COMMENT_INVALID,
        field="comment",
        label=_("评论内容"),
        maximum=COMMENT_MAX,
        required=True,
    )
    dataset = _active_dataset(dataset)
    comment = Comment.objects.create(dataset=dataset, user=actor, body=body)
    audit.record(
        "opendata.comment_created",
        actor=actor,
        target=comment,
        details={"dataset": dataset.name, "length": len(body)},
    )
    return comment


@audit.refusals_recorded("opendata.comment_hide")
@transaction.atomic
def hide_comment(*, actor: Any, comment: Comment, reason: str = "") -> Comment:
    """The publisher's clerk hides a comment on one of its datasets."""
    _require_user(actor)
    found = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("dataset__publisher__department")
        .filter(pk=comment.pk)
        .first()
    )
    if found is None:
        raise _not_found()
    _clerk_of(actor, found.dataset.publisher)
    reason = _text(
        reason,
        code=ErrorCode.COMMENT_INVALID,
        field="reason",
        label=_("理由"),
        maximum=REASON_MAX,
        required=False,
    )
    if not found.hidden:
        found.hidden = True
        found.save(update_fields=["hidden"])
        audit.record(
            "opendata.comment_hidden",
            actor=actor,
            target=found,
            details={"dataset": found.dataset.name, "reason": reason},
        )
    return found


def visible_comments(dataset: Dataset) -> QuerySet[Comment]:
    return Comment.objects.filter(dataset=dataset, hidden=False).select_related("user")


# --- counters -------------------------------------------------------------------------------


def count_view(dataset: Dataset) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(view_count=F("view_count") + 1)
