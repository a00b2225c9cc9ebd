"""Catalogue API: ``/api/v1/catalog/...``.

Public: portal search, published implementations with their published version, published
life events and their merged form. Everything else is for staff, through the permission gate:
reading something out of the caller's ``catalog.view`` scope answers 404 as if it did not
exist; acting answers 403 (the services check each action). Every write is one service call.
"""

# No ``from __future__ import annotations``: django-ninja reads the Annotated query
# parameters (QueryEx) at runtime.
from collections.abc import Callable
from typing import Any, Literal

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from yiwang.catalog import permissions, services
from yiwang.catalog.api_transfer import router as transfer_router
from yiwang.catalog.errors import ErrorCode, FieldErrors, field_error
from yiwang.catalog.models import (
    ImplementationVersion,
    ItemImplementation,
    ItemType,
    LifeEvent,
    LifeEventMember,
    LifeEventStatus,
    ServiceItem,
    ServiceObject,
    Theme,
    VersionStatus,
)
from yiwang.catalog.schemas import (
    ConsistencyRow,
    ImplementationIn,
    ImplementationOut,
    ItemIn,
    ItemOut,
    LifeEventIn,
    LifeEventOut,
    MergedLifeEventOut,
    ReviewIn,
    SearchOut,
    VersionIn,
    VersionOut,
    WithdrawIn,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, Region
from yiwang.kernel.permissions import can
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["catalog"])
router.add_router("", transfer_router)


# --- helpers -------------------------------------------------------------------------------


def _not_found() -> DomainError:
    return DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _require_staff(request: HttpRequest) -> None:
    """Staff lists answer 403 to a caller who may read the catalogue nowhere at all."""
    if not can(request.user, permissions.VIEW):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _region_filter(code: str) -> Region:
    region: Region | None = Region.objects.filter(code=code).first()
    if region is None:
        raise FieldErrors(
            KernelCode.REGION_UNKNOWN,
            [
                field_error(
                    "region",
                    "region_unknown",
                    _("行政区划 %(code)s 不存在。") % {"code": code},
                )
            ],
        )
    return region


def _department_filter(code: str) -> Department:
    department: Department | None = Department.objects.filter(code=code).first()
    if department is None:
        raise FieldErrors(
            ErrorCode.DEPARTMENT_UNKNOWN,
            [
                field_error(
                    "department",
                    "department_unknown",
                    _("部门编码 %(code)s 不存在。") % {"code": code},
                )
            ],
        )
    return department


class _Built:
    """A query set seen through an output builder: ``LimitOffsetPagination`` slices and
    counts it in the database, and only the page's rows are built."""

    def __init__(self, queryset: QuerySet[Any], build: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.build = build

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.build(row) for row in self.queryset[page]]


# --- items ---------------------------------------------------------------------------------


def _items() -> QuerySet[Any]:
    """Items shaped for ``ItemOut``."""
    return ServiceItem.objects.annotate(
        department_code=F("department__code"), department_name=F("department__name")
    ).prefetch_related("materials")


def _item(code: str) -> Any:
    item = _items().filter(code=code).first()
    if item is None:
        raise _not_found()
    return item


@router.get("/items", response={200: list[ItemOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_items(
    request: HttpRequest,
    department: str = "",
    q: QueryEx[str, P(max_length=200)] = "",
    item_type: ItemType | None = None,
) -> Any:
    """Master items (the catalogue is the same for every reader on staff). ``q`` matches
    the name or the start of the code; ``department`` is a department code."""
    _require_staff(request)
    items = _items()
    if department:
        items = items.filter(department=_department_filter(department))
    if q:
        items = items.filter(Q(name__contains=q) | Q(code__startswith=q))
    if item_type:
        items = items.filter(item_type=item_type)
    return items


@router.post("/items", response={201: ItemOut, **ERRORS})
def create_item(request: HttpRequest, payload: ItemIn) -> Any:
    item = services.create_item(actor=request.user, data=payload)
    return Status(201, _item(item.code))


@router.get("/items/{code}", response={200: ItemOut, **ERRORS})
def get_item(request: HttpRequest, code: str) -> Any:
    _require_staff(request)
    return _item(code)


@router.put("/items/{code}", response={200: ItemOut, **ERRORS})
def update_item(request: HttpRequest, code: str, payload: ItemIn) -> Any:
    """Change a master item; its code stays (a different ``code`` is refused)."""
    services.update_item(actor=request.user, item=_item(code), data=payload)
    return _item(code)


# --- implementations -----------------------------------------------------------------------


def _implementations(queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """Implementations shaped for ``ImplementationOut``: one query, no per-row look-ups."""
    latest = ImplementationVersion.objects.filter(implementation=OuterRef("pk")).order_by("-number")
    base: QuerySet[Any] = ItemImplementation.objects.all() if queryset is None else queryset
    shaped: QuerySet[Any] = base.annotate(
        item_code=F("item__code"),
        department_code=F("department__code"),
        department_name=F("department__name"),
        region_code=F("region_id"),
        region_name=F("region__name"),
        current_version=F("current__number"),
        latest_version=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
    )
    return shaped


def _in_scope(user: Any, implementation: ItemImplementation) -> bool:
    scoped = ItemImplementation.objects.for_user(user, permissions.VIEW)
    return bool(scoped.filter(pk=implementation.pk).exists())


def _readable_implementation(user: Any, code: str) -> tuple[Any, bool]:
    """The implementation ``code`` if the caller may read it, and whether they read it as
    staff in scope (everything) or as the public (the published version only)."""
    implementation = _implementations().filter(code=code).first()
    if implementation is None:
        raise _not_found()
    staff = _in_scope(user, implementation)
    if not staff:
        if implementation.current_id is None:
            raise _not_found()
        # The public sees the published version as the latest: drafts stay private.
        implementation.latest_version = implementation.current_version
        implementation.latest_status = VersionStatus.PUBLISHED.value
    return implementation, staff


def _implementation(code: str) -> ItemImplementation:
    """An implementation to act on: the service decides whether the caller may."""
    implementation: ItemImplementation | None = ItemImplementation.objects.filter(code=code).first()
    if implementation is None:
        raise _not_found()
    return implementation


def _version(code: str, number: int) -> ImplementationVersion:
    version: ImplementationVersion | None = ImplementationVersion.objects.filter(
        implementation__code=code, number=number
    ).first()
    if version is None:
        raise _not_found()
    return version


def _versions() -> QuerySet[Any]:
    return ImplementationVersion.objects.prefetch_related("materials")


@router.get("/implementations", response={200: list[ImplementationOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_implementations(
    request: HttpRequest,
    region: str = "",
    department: str = "",
    item: str = "",
    status: VersionStatus | None = None,
) -> Any:
    """Implementations in the caller's scope. ``region`` includes the regions below it;
    ``item`` is a master item code; ``status`` is the latest version's status."""
    _require_staff(request)
    implementations = _implementations(
        ItemImplementation.objects.for_user(request.user, permissions.VIEW)
    )
    if region:
        implementations = implementations.filter(
            region__code__startswith=_region_filter(region).code
        )
    if department:
        implementations = implementations.filter(department=_department_filter(department))
    if item:
        implementations = implementations.filter(item__code=item)
    if status:
        implementations = implementations.filter(latest_status=status)
    return implementations


@router.post("/implementations", response={201: ImplementationOut, **ERRORS})
def create_implementation(request: HttpRequest, payload: ImplementationIn) -> Any:
    """Implement a master item in a department: the implementation and its first draft."""
    item = ServiceItem.objects.filter(code=payload.item_code).first()
    if item is None:
        raise FieldErrors(
            ErrorCode.ITEM_INVALID,
            [
                field_error(
                    "item_code",
                    "item_unknown",
                    _("事项编码 %(code)s 不存在。") % {"code": payload.item_code},
                )
            ],
        )
    implementation = services.create_implementation(
        actor=request.user,
        item=item,
        department=services.department_by_code(payload.department_code),
        data=payload,
    )
    return Status(201, _implementations().get(pk=implementation.pk))


@router.get("/implementations/{code}", response={200: ImplementationOut, **ERRORS}, auth=None)
def get_implementation(request: HttpRequest, code: str) -> Any:
    """Public when published; staff in scope also see unpublished ones."""
    implementation, _staff = _readable_implementation(request.user, code)
    return implementation


@router.get("/implementations/{code}/versions", response={200: list[VersionOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_versions(request: HttpRequest, code: str) -> Any:
    """Every version, newest first (staff in scope)."""
    implementation = _implementations().filter(code=code).first()
    if implementation is None or not _in_scope(request.user, implementation):
        raise _not_found()
    return _versions().filter(implementation=implementation).order_by("-number")


@router.get(
    "/implementations/{code}/versions/{number}",
    response={200: VersionOut, **ERRORS},
    auth=None,
)
def get_version(request: HttpRequest, code: str, number: int) -> Any:
    """The public may read the published version only."""
    implementation, staff = _readable_implementation(request.user, code)
    version = _versions().filter(implementation=implementation, number=number).first()
    if version is None or (not staff and version.pk != implementation.current_id):
        raise _not_found()
    return version


@router.put("/implementations/{code}/versions/{number}", response={200: VersionOut, **ERRORS})
def update_version(request: HttpRequest, code: str, number: int, payload: VersionIn) -> Any:
    """Change a draft (a submitted or published version is immutable)."""
    return services.update_draft(actor=request.user, version=_version(code, number), data=payload)


@router.post(
    "/implementations/{code}/versions/{number}/submit", response={200: VersionOut, **ERRORS}
)
def submit_version(request: HttpRequest, code: str, number: int) -> Any:
    return services.submit(actor=request.user, version=_version(code, number))


@router.post(
    "/implementations/{code}/versions/{number}/publish", response={200: VersionOut, **ERRORS}
)
def publish_version(request: HttpRequest, code: str, number: int, payload: ReviewIn) -> Any:
    """Publish a version in review (a reviewer other than its submitter)."""
    return services.publish(
        actor=request.user, version=_version(code, number), comment=payload.comment
    )


@router.post(
    "/implementations/{code}/versions/{number}/reject", response={200: VersionOut, **ERRORS}
)
def reject_version(request: HttpRequest, code: str, number: int, payload: ReviewIn) -> Any:
    """Send a version in review back to draft; the comment says why."""
    return services.reject(
        actor=request.user, version=_version(code, number), comment=payload.comment
    )


@router.post("/implementations/{code}/withdraw", response={200: VersionOut, **ERRORS})
def withdraw_implementation(request: HttpRequest, code: str, payload: WithdrawIn) -> Any:
    """Take the implementation off the public catalogue; answers the withdrawn version."""
    return services.withdraw(
        actor=request.user, implementation=_implementation(code), reason=payload.reason
    )


@router.post("/implementations/{code}/revise", response={201: VersionOut, **ERRORS})
def revise_implementation(request: HttpRequest, code: str) -> Any:
    """Start the next draft from the latest version."""
    return Status(201, services.revise(actor=request.user, implementation=_implementation(code)))


@router.get("/consistency", response={200: list[ConsistencyRow], **ERRORS})
def consistency(request: HttpRequest) -> Any:
    """三级四同: implementations in scope whose name, type, basis or code differ from the
    master item."""
    _require_staff(request)
    return services.consistency_report(actor=request.user)


# --- life events ---------------------------------------------------------------------------


def _life_events() -> QuerySet[Any]:
    members = LifeEventMember.objects.select_related("implementation", "child")
    return LifeEvent.objects.select_related("department").prefetch_related(
        Prefetch("members", queryset=members)
    )


def _life_event_out(event: LifeEvent) -> dict[str, Any]:
    return {
        "code": event.code,
        "name": event.name,
        "description": event.description,
        "region_code": event.region_id,
        "department_code": event.department.code,
        "service_objects": event.service_objects,
        "themes": event.themes,
        "status": event.status,
        "promised_limit_days": event.promised_limit_days,
        "members": [_member_code(m) for m in event.members.all()],
    }


def _member_code(member: LifeEventMember) -> str:
    """A member as ``LifeEventIn`` names it: an implementation code or ``event:<code>``."""
    if member.implementation is not None:
        return member.implementation.code
    return f"event:{member.child.code}" if member.child is not None else ""


def _readable_life_events(user: Any) -> QuerySet[Any]:
    """Published life events, and for staff also those in their scope."""
    scoped = LifeEvent.objects.for_user(user, permissions.VIEW).values("pk")
    return _life_events().filter(Q(status=LifeEventStatus.PUBLISHED) | Q(pk__in=scoped))


def _readable_life_event(user: Any, code: str) -> LifeEvent:
    event: LifeEvent | None = _readable_life_events(user).filter(code=code).first()
    if event is None:
        raise _not_found()
    return event


def _life_event(code: str) -> LifeEvent:
    """A life event to act on: the service decides whether the caller may."""
    event: LifeEvent | None = LifeEvent.objects.filter(code=code).first()
    if event is None:
        raise _not_found()
    return event


@router.get("/life-events", response={200: list[LifeEventOut], **ERRORS}, auth=None)
@paginate(LimitOffsetPagination)
def list_life_events(request: HttpRequest) -> Any:
    """Published life events; staff also see drafts and withdrawn ones in their scope."""
    return _Built(_readable_life_events(request.user), _life_event_out)


@router.post("/life-events", response={201: LifeEventOut, **ERRORS})
def create_life_event(request: HttpRequest, payload: LifeEventIn) -> Any:
    event = services.save_life_event(actor=request.user, data=payload)
    return Status(201, _life_event_out(event))


@router.get("/life-events/{code}", response={200: LifeEventOut, **ERRORS}, auth=None)
def get_life_event(request: HttpRequest, code: str) -> Any:
    return _life_event_out(_readable_life_event(request.user, code))


@router.put("/life-events/{code}", response={200: LifeEventOut, **ERRORS})
def update_life_event(request: HttpRequest, code: str, payload: LifeEventIn) -> Any:
    event = services.save_life_event(actor=request.user, data=payload, event=_life_event(code))
    return _life_event_out(event)


@router.post("/life-events/{code}/publish", response={200: LifeEventOut, **ERRORS})
def publish_life_event(request: HttpRequest, code: str) -> Any:
    """Publish (every member must be published and the forms must merge)."""
    event = services.set_life_event_status(
        actor=request.user, event=_life_event(code), status=LifeEventStatus.PUBLISHED
    )
    return _life_event_out(event)


@router.post("/life-events/{code}/withdraw", response={200: LifeEventOut, **ERRORS})
def withdraw_life_event(request: HttpRequest, code: str) -> Any:
    event = services.set_life_event_status(
        actor=request.user, event=_life_event(code), status=LifeEventStatus.WITHDRAWN
    )
    return _life_event_out(event)


@router.get("/life-events/{code}/merged", response={200: MergedLifeEventOut, **ERRORS}, auth=None)
def merged_life_event(request: HttpRequest, code: str) -> Any:
    """One form and one material list for the whole life event."""
    merged = services.merged(_readable_life_event(request.user, code))
    return {
        "code": merged.event.code,
        "name": merged.event.name,
        "implementations": [i.code for i in merged.implementations],
        "form_schema": merged.form.schema,
        "form_ui": merged.form.ui,
        "materials": merged.materials,
    }


# --- portal search -------------------------------------------------------------------------


@router.get("/search", response={200: SearchOut, **ERRORS}, auth=None)
def search(
    request: HttpRequest,
    q: QueryEx[str, P(max_length=200)] = "",
    region: str = "",
    department: str = "",
    service_object: QueryEx[ServiceObject | None, P(alias="object")] = None,
    theme: Theme | None = None,
    kind: Literal["implementation", "life_event"] | None = None,
    limit: QueryEx[int, P(ge=1, le=100)] = 20,
    offset: QueryEx[int, P(ge=0, le=10000)] = 0,
) -> Any:
    """Published implementations and life events: Chinese words, pinyin or initials
    (``gtgsh`` finds 个体工商户); ``region`` includes everything below it; ``department``
    is a department code; ``object`` is citizen or enterprise."""
    if region:
        _region_filter(region)
    page = services.search_catalog(
        q,
        region=region,
        department=_department_filter(department).pk if department else None,
        service_object=service_object or "",
        theme=theme or "",
        kind=kind or "",
        limit=limit,
        offset=offset,
    )
    return {"total": page.total, "terms": page.terms, "results": page.hits}
