"""Kernel API: regions, departments, files, audit trail, validators, working days, node."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from yiwang.kernel import calendar, files, services, validators
from yiwang.kernel.errors import DomainError, ErrorCode
from yiwang.kernel.models import AuditEntry, Department, Region, RoleAssignment, StoredFile
from yiwang.kernel.node import this_node
from yiwang.kernel.permissions import can
from yiwang.kernel.schemas import (
    ERRORS,
    AuditEntryOut,
    DepartmentIn,
    DepartmentOut,
    FileOut,
    MeOut,
    NodeOut,
    RegionImportOut,
    RegionOut,
    RoleOut,
    ValidateIn,
    ValidateOut,
    WorkingDaysAddOut,
    WorkingDaysBetweenOut,
)

router = Router(tags=["kernel"])


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _denied() -> DomainError:
    return DomainError(ErrorCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _region(code: str) -> Region:
    normalized = validators.validate_region_code(code)
    region: Region | None = Region.objects.filter(code=normalized).first()
    if region is None:
        raise DomainError(
            ErrorCode.REGION_UNKNOWN, _("行政区划 %(code)s 不存在。") % {"code": code}, status=404
        )
    return region


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, auth=None)
@paginate(LimitOffsetPagination)
def list_regions(
    request: HttpRequest,
    parent: str | None = None,
    level: str | None = None,
    q: str | None = None,
) -> Any:
    """Regions (public). ``parent`` lists a region's children; ``q`` matches names."""
    regions = Region.objects.all()
    if parent:
        regions = regions.filter(parent=_region(parent))
    elif not q and not level:
        regions = regions.filter(parent__isnull=True)
    if level:
        regions = regions.filter(level=level)
    if q:
        regions = regions.filter(name__contains=q)
    return regions


@router.post("/regions/import", response={200: RegionImportOut, **ERRORS})
def import_regions(request: HttpRequest, csv_file: File[UploadedFile]) -> Any:
    """Import regions from a CSV file, all or nothing (platform admins of the whole node)."""
    if not can(request.user, "kernel.import_regions", region=settings.YIWANG_NODE_REGION):
        raise _denied()
    return services.import_regions(csv_file.read(), actor=request.user)


@router.get("/regions/{code}", response={200: RegionOut, **ERRORS}, auth=None)
def get_region(request: HttpRequest, code: str) -> Region:
    return _region(code)


@router.get("/departments", response={200: list[DepartmentOut], **ERRORS}, auth=None)
@paginate(LimitOffsetPagination)
def list_departments(request: HttpRequest, region: str | None = None) -> Any:
    """Departments (public directory); ``region`` includes the departments below it."""
    departments = Department.objects.filter(is_active=True)
    if region:
        departments = departments.filter(region__code__startswith=_region(region).code)
    return departments


@router.post("/departments", response={201: DepartmentOut, **ERRORS})
def create_department(request: HttpRequest, payload: DepartmentIn) -> Any:
    region = _region(payload.region_code)
    if not can(request.user, "kernel.manage_department", region=region):
        raise _denied()
    department = services.create_department(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        region=region,
        credit_code=payload.credit_code,
    )
    return Status(201, department)


@router.post("/files", response={201: FileOut, **ERRORS})
def upload_file(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Keep an uploaded file (size and type limits; the type is read from the content)."""
    if not can(request.user, "kernel.upload_file"):
        raise _denied()
    return Status(201, files.store_file(file, name=file.name or "file", actor=request.user))


@router.get("/files/{file_id}", response={200: FileOut, **ERRORS})
def get_file(request: HttpRequest, file_id: uuid.UUID) -> Any:
    """A file's record; visible to its uploader only (modules grant more through services)."""
    return get_object_or_404(StoredFile, pk=file_id, uploaded_by=request.user)


@router.get("/audit", response={200: list[AuditEntryOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_audit(
    request: HttpRequest,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> Any:
    """The audit trail, newest first (platform admins and auditors)."""
    if not can(request.user, "kernel.view_audit"):
        raise _denied()
    entries = AuditEntry.objects.order_by("-seq")
    if action:
        entries = entries.filter(action=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    return entries


_VALIDATORS = {
    "id-number": validators.validate_id_number,
    "credit-code": validators.validate_credit_code,
    "mobile": validators.validate_mobile,
    "region-code": validators.validate_region_code,
}


@router.post("/validate/{kind}", response={200: ValidateOut, **ERRORS}, auth=None)
def validate(request: HttpRequest, kind: str, payload: ValidateIn) -> Any:
    """Check an identifier: id-number, credit-code, mobile or region-code."""
    check = _VALIDATORS.get(kind)
    if check is None:
        raise _not_found()
    return {"valid": True, "normalized": check(payload.value)}


@router.get("/working-days/add", response={200: WorkingDaysAddOut, **ERRORS}, auth=None)
def add_working_days(request: HttpRequest, start: dt.date, days: int) -> Any:
    """The ``days``-th working day after ``start`` (the start day is not counted)."""
    if not 0 <= days <= 3650:
        raise DomainError(ErrorCode.CALENDAR_RANGE, _("工作日天数应在0到3650之间。"))
    return {"start": start, "days": days, "due": calendar.add_working_days(start, days)}


@router.get("/working-days/between", response={200: WorkingDaysBetweenOut, **ERRORS}, auth=None)
def working_days_between(request: HttpRequest, start: dt.date, end: dt.date) -> Any:
    """Working days in (start, end]."""
    if abs((end - start).days) > 3650 * 2:
        raise DomainError(ErrorCode.CALENDAR_RANGE, _("日期范围不能超过二十年。"))
    return {"start": start, "end": end, "working_days": calendar.working_days_between(start, end)}


@router.get("/node", response={200: NodeOut}, auth=None)
def node(request: HttpRequest) -> Any:
    """This deployment's node id and public key."""
    me = this_node()
    return {"node_id": me.node_id, "public_key_pem": me.public_key_pem(), "algorithm": "Ed25519"}


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> Any:
    user: Any = request.user
    roles = [
        RoleOut(role=a.role, region_code=a.region_id, department_id=a.department_id)
        for a in RoleAssignment.objects.filter(user=user)
    ]
    return {
        "id": user.pk,
        "username": user.username,
        "is_staff": user.is_staff,
        "mobile": user.masked_mobile,
        "roles": roles,
    }
