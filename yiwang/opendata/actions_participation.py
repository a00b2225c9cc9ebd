"""Action API of public participation: data requests (as ckanext-datarequests names them),
access applications for conditional datasets, ratings and comments.

Actions that change something are POST only (``side_effect_free=False``) and need a signed-in
caller (an API token, or the portal's session), as CKAN's do; reading data requests, ratings
and comments is open to everyone, reading applications only to the applicant and the
publisher's clerks. The services in :mod:`yiwang.opendata.participation` make every decision;
these functions read parameters and shape results.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.kernel.fields import mask
from yiwang.opendata import actions, participation
from yiwang.opendata.actions import Context
from yiwang.opendata.models import (
    AccessApplication,
    ApplicationStatus,
    Comment,
    DataRequest,
    DataRequestStatus,
    Dataset,
    DatasetState,
    Publisher,
)

LIST_LIMIT_MAX = 1000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _require_user(ctx: Context) -> None:
    if not ctx.authenticated:
        raise actions.not_authorized(_("请先登录或提供 API 令牌。"))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _dataset(params: dict[str, Any], name: str = "package_id") -> Dataset:
    """A published dataset by id or name (CKAN accepts either)."""
    key = actions.text(params, name) or actions.text(params, "id")
    if not key:
        raise actions.validation_error({name: [_("缺少必填值。")]})
    rows = Dataset.objects.select_related("publisher").filter(state=DatasetState.ACTIVE)
    as_uuid = _uuid(key)
    found = rows.filter(pk=as_uuid).first() if as_uuid else rows.filter(name=key).first()
    if found is None:
        raise actions.not_found(_("未找到该数据集。"))
    return found


def _publisher(params: dict[str, Any], name: str, *, required: bool) -> Publisher | None:
    """A publisher by its name or numeric id (CKAN's ``organization`` / ``owner_org``)."""
    key = actions.text(params, name)
    if not key:
        if required:
            raise actions.validation_error({name: [_("缺少必填值。")]})
        return None
    rows = Publisher.objects.all()
    found = rows.filter(pk=int(key)).first() if key.isdigit() else rows.filter(name=key).first()
    if found is None:
        raise actions.not_found(_("未找到该开放机构。"))
    return found


def _by_id(rows: QuerySet[Any], params: dict[str, Any], name: str = "id") -> Any:
    value = actions.required(params, name)
    if isinstance(value, bool):
        raise actions.validation_error({name: [_("应为整数。")]})
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise actions.validation_error({name: [_("应为整数。")]}) from None
    found = rows.filter(pk=pk).first()
    if found is None:
        raise actions.not_found()
    return found


def _status(params: dict[str, Any], choices: list[str]) -> str:
    status = actions.text(params, "status")
    allowed = [*choices, participation.OVERDUE]
    if status and status not in allowed:
        raise actions.validation_error(
            {"status": [_("应为以下之一:%(values)s。") % {"values": ", ".join(allowed)}]}
        )
    return status


def _page(params: dict[str, Any]) -> tuple[int, int]:
    limit = actions.integer(params, "limit", 100, minimum=1, maximum=LIST_LIMIT_MAX)
    offset = actions.integer(params, "offset", 0, minimum=0)
    return limit, offset


# --- data requests ------------------------------------------------------------------------------


def datarequest_dict(request: DataRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "title": request.title,
        "description": request.description,
        "purpose": request.purpose,
        "organization_id": request.publisher_id,
        "organization": request.publisher.name,
        "user": mask(request.requester.get_username()),
        "status": request.status,
        "status_label": str(DataRequestStatus(request.status).label),
        "due_on": _iso(request.due_on),
        "overdue": participation.is_overdue(request),
        "answer": request.answer,
        "accepted_dataset_id": str(request.dataset_id) if request.dataset_id else None,
        "accepted_dataset": request.dataset.name if request.dataset else None,
        "answered_at": _iso(request.answered_at),
        "open_time": _iso(request.created_at),
    }


@actions.action("datarequest_create", side_effect_free=False)
def datarequest_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Ask an organization for data (数据需求): organization, title, description, purpose."""
    _require_user(ctx)
    publisher = _publisher(params, "organization", required=True)
    if publisher is None:  # not reached: required
        raise actions.validation_error({"organization": [_("缺少必填值。")]})
    request = participation.submit_data_request(
        actor=ctx.user,
        publisher=publisher,
        title=actions.text(params, "title"),
        description=actions.text(params, "description"),
        purpose=actions.text(params, "purpose"),
    )
    return datarequest_dict(request)


@actions.action("datarequest_show")
def datarequest_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One data request by id."""
    request = _by_id(
        DataRequest.objects.select_related("publisher", "dataset", "requester"), params
    )
    return datarequest_dict(request)


@actions.action("datarequest_list")
def datarequest_list(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Data requests, newest first: organization, status (open, answered, declined or
    overdue), limit, offset."""
    publisher = _publisher(params, "organization", required=False)
    status = _status(params, list(DataRequestStatus.values))
    limit, offset = _page(params)
    rows = participation.data_requests(publisher=publisher, status=status).select_related(
        "requester"
    )
    return {
        "count": rows.count(),
        "results": [datarequest_dict(r) for r in rows[offset : offset + limit]],
    }


@actions.action("datarequest_answer", side_effect_free=False)
def datarequest_answer(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The organization answers a data request: id, answer, and optionally the dataset
    (``accepted_dataset_id``, id or name) that meets it."""
    _require_user(ctx)
    request = _by_id(DataRequest.objects.all(), params)
    dataset = None
    if actions.text(params, "accepted_dataset_id"):
        dataset = _dataset(params, "accepted_dataset_id")
    answered = participation.answer_data_request(
        actor=ctx.user, request=request, answer=actions.text(params, "answer"), dataset=dataset
    )
    return datarequest_dict(answered)


@actions.action("datarequest_decline", side_effect_free=False)
def datarequest_decline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The organization declines a data request: id, reason."""
    _require_user(ctx)
    request = _by_id(DataRequest.objects.all(), params)
    declined = participation.decline_data_request(
        actor=ctx.user, request=request, reason=actions.text(params, "reason")
    )
    return datarequest_dict(declined)


# --- access applications --------------------------------------------------------------------


def application_dict(application: AccessApplication) -> dict[str, Any]:
    return {
        "id": application.pk,
        "package_id": str(application.dataset_id),
        "package_name": application.dataset.name,
        "organization": application.dataset.publisher.name,
        "user": application.applicant.get_username(),
        "purpose": application.purpose,
        "status": application.status,
        "status_label": str(ApplicationStatus(application.status).label),
        "due_on": _iso(application.due_on),
        "overdue": participation.is_overdue(application),
        "reason": application.reason,
        "decided_at": _iso(application.decided_at),
        "expires_at": _iso(application.expires_at),
        "created": _iso(application.created_at),
    }


@actions.action("access_request_create", side_effect_free=False)
def access_request_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Apply to use a conditional dataset (有条件开放): package_id, purpose."""
    _require_user(ctx)
    dataset = _dataset(params)
    application = participation.apply_for_access(
        actor=ctx.user, dataset=dataset, purpose=actions.text(params, "purpose")
    )
    return application_dict(application)


@actions.action("access_request_list")
def access_request_list(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Access applications: ``scope=mine`` (default, the caller's own) or ``scope=publisher``
    (to the organizations the caller publishes for, optionally one ``organization``); status
    (pending, approved, rejected or overdue), limit, offset."""
    _require_user(ctx)
    scope = actions.text(params, "scope", "mine")
    status = _status(params, list(ApplicationStatus.values))
    limit, offset = _page(params)
    if scope == "mine":
        rows = participation.applications_of(ctx.user, status=status)
    elif scope == "publisher":
        publisher = _publisher(params, "organization", required=False)
        rows = participation.applications_for_clerk(ctx.user, status=status, publisher=publisher)
    else:
        raise actions.validation_error({"scope": [_("应为 mine 或 publisher。")]})
    rows = rows.select_related("applicant")
    return {
        "count": rows.count(),
        "results": [application_dict(a) for a in rows[offset : offset + limit]],
    }


@actions.action("access_request_decide", side_effect_free=False)
def access_request_decide(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The organization decides an application: id, approve (true/false), reason (required
    to reject), valid_days (approval's validity; none means without end)."""
    _require_user(ctx)
    application = _by_id(AccessApplication.objects.all(), params)
    if "approve" not in params:
        raise actions.validation_error({"approve": [_("缺少必填值。")]})
    approve = actions.boolean(params, "approve")
    valid_days = None
    if params.get("valid_days") not in (None, ""):
        valid_days = actions.integer(
            params, "valid_days", 0, minimum=1, maximum=participation.VALID_DAYS_MAX
        )
    decided = participation.decide_access(
        actor=ctx.user,
        application=application,
        approve=approve,
        reason=actions.text(params, "reason"),
        valid_days=valid_days,
    )
    return application_dict(decided)


# --- ratings and comments -------------------------------------------------------------------


@actions.action("rating_create", side_effect_free=False)
def rating_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Rate a dataset 1 to 5, once: package_id, rating."""
    _require_user(ctx)
    dataset = _dataset(params)
    value = actions.required(params, "rating")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise actions.validation_error({"rating": [_("评分应为 1 到 5 的整数。")]})
    # Out of 1..5 is the service's refusal (RATING_INVALID, audited).
    score = value
    participation.rate_dataset(actor=ctx.user, dataset=dataset, score=score)
    return {"package_id": str(dataset.pk), **participation.rating_summary(dataset)}


@actions.action("rating_show")
def rating_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A dataset's rating: average (two decimals, null when unrated) and count."""
    dataset = _dataset(params)
    return {"package_id": str(dataset.pk), **participation.rating_summary(dataset)}


def comment_dict(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "package_id": str(comment.dataset_id),
        "user": mask(comment.user.get_username()),
        "comment": comment.body,
        "created": _iso(comment.created_at),
    }


@actions.action("comment_create", side_effect_free=False)
def comment_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Comment on a dataset: package_id, comment (1 to 2000 characters)."""
    _require_user(ctx)
    dataset = _dataset(params)
    comment = participation.comment_on_dataset(
        actor=ctx.user, dataset=dataset, body=actions.text(params, "comment")
    )
    return comment_dict(comment)


@actions.action("comment_list")
def comment_list(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A dataset's visible comments, oldest first: package_id, limit, offset."""
    dataset = _dataset(params)
    limit, offset = _page(params)
    rows = participation.visible_comments(dataset)
    return {
        "count": rows.count(),
        "results": [comment_dict(c) for c in rows[offset : offset + limit]],
    }


@actions.action("comment_hide", side_effect_free=False)
def comment_hide(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The organization hides a comment on its dataset: id, reason."""
    _require_user(ctx)
    comment = _by_id(Comment.objects.select_related("user"), params)
    hidden = participation.hide_comment(
        actor=ctx.user, comment=comment, reason=actions.text(params, "reason")
    )
    return {**comment_dict(hidden), "hidden": hidden.hidden}
