"""Demo data of the service catalogue: 湖北省's master items across its departments, their
implementations by the province (42), 武汉市 (4201) and 武昌区 (420106), all published, and
the life events 企业开办, 开办餐饮店, 新生儿出生 and 二手房买卖.

Everything goes through the catalogue's services, as catalogue staff would do it: a demo
editor creates and submits, a different demo reviewer publishes. Safe to run again: what
exists (by code) is kept as it is.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model

from yiwang.catalog import services
from yiwang.catalog.fixtures.demo_catalog import (
    COMPLAINT_PHONE,
    DEPARTMENTS,
    FAMILIES,
    FIXTURES,
    ITEMS,
    LIFE_EVENTS,
    DepartmentSpec,
    ItemSpec,
    promised_limit,
)
from yiwang.catalog.models import ItemImplementation, LifeEvent, LifeEventStatus, ServiceItem
from yiwang.catalog.schemas import ItemIn, LifeEventIn, VersionIn
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region, Role

#: Catalogue staff of the demo: (username, name, mobile, role). Both act province-wide.
EDITOR = ("cataloguer", "湖北省政务服务事项编目员", "13800000009", Role.DEPARTMENT_ADMIN)
REVIEWER = ("catalog_reviewer", "湖北省政务服务事项审核员", "13800000010", Role.PLATFORM_ADMIN)


def load(actor: Any, say: Any) -> None:
    started = time.monotonic()
    departments = ensure_departments(actor)
    editor = ensure_staff(actor, *EDITOR)
    reviewer = ensure_staff(actor, *REVIEWER)
    items = load_items(editor)
    implementations = load_implementations(editor, reviewer)
    events = load_life_events(editor, reviewer)
    say(
        f"catalogue: {departments} departments, {items} items, {implementations} implementations "
        f"(published), {events} life events created; {len(ITEMS)} items and "
        f"{len(LIFE_EVENTS)} life events in the demo catalogue "
        f"(editor {EDITOR[0]}, reviewer {REVIEWER[0]}, password as for the other demo staff; "
        f"{time.monotonic() - started:.1f} s)"
    )


def ensure_departments(actor: Any) -> int:
    existing = set(Department.objects.values_list("code", flat=True))
    regions = {r.code: r for r in Region.objects.filter(code__in={d.region for d in DEPARTMENTS})}
    created = 0
    for spec in DEPARTMENTS:
        if spec.code not in existing:
            kernel.create_department(
                actor=actor, code=spec.code, name=spec.name, region=regions[spec.region]
            )
            created += 1
    return created


def ensure_staff(actor: Any, username: str, name: str, mobile: str, role: str) -> Any:
    """A demo staff account with the same password and authenticator secret as the other
    demo staff (see :mod:`yiwang.identity.demo`), holding ``role`` province-wide."""
    import pyotp

    from yiwang.identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from yiwang.identity.services import create_staff_account, enrol_totp

    account: Any = get_user_model().objects.filter(username=username).first()
    if account is None:
        account = create_staff_account(
            actor=actor, username=username, password=DEMO_PASSWORD, display_name=name, mobile=mobile
        )
        # Enrol with the previous step's code, so the current code still signs in.
        previous = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() - 30)
        enrol_totp(
            actor=actor, account=account, secret=DEMO_TOTP_SECRET, code=previous, name="demo"
        )
    kernel.assign_role(actor=actor, user=account, role=role, region=Region.objects.get(code="42"))
    return account


def load_items(editor: Any) -> int:
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    created = 0
    for spec in ITEMS:
        if spec.code not in existing:
            services.create_item(actor=editor, data=ItemIn(**spec.data))
            created += 1
    return created


def implementing_department(spec: ItemSpec, level: str) -> str:
    return spec.departments.get(level) or FAMILIES[spec.family][level]


def version_data(spec: ItemSpec, level: str, department: DepartmentSpec) -> VersionIn:
    """What the implementing department sets locally: its promise, hall, contacts, form and
    (for some) its own process."""
    local = dict(spec.local.get(level, {}))
    process_file = local.pop("process_file", "")
    fields: dict[str, Any] = {
        "hall_address": department.hall,
        "office_hours": department.hours,
        "phone": department.phone,
        "complaint_phone": COMPLAINT_PHONE,
        "form_schema": spec.form["schema"],
        "form_ui": spec.form["ui"],
    }
    promised = promised_limit(spec.data["statutory_limit_days"], level)
    if promised is not None:
        fields["promised_limit_days"] = promised
    if process_file:
        fields["process_bpmn"] = (FIXTURES / process_file).read_text(encoding="utf-8")
    fields.update(local)
    return VersionIn(**fields)


def load_implementations(editor: Any, reviewer: Any) -> int:
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=[s.code for s in ITEMS])}
    departments = {d.code: d for d in Department.objects.select_related("region")}
    specs = {d.code: d for d in DEPARTMENTS}
    existing = set(ItemImplementation.objects.values_list("code", flat=True))
    created = 0
    for spec in ITEMS:
        item = items[spec.code]
        for level in spec.implement:
            department = departments[implementing_department(spec, level)]
            if services.implementation_code(item, department) in existing:
                continue
            implementation = services.create_implementation(
                actor=editor,
                item=item,
                department=department,
                data=version_data(spec, level, specs[department.code]),
            )
            version = implementation.versions.get()
            services.submit(actor=editor, version=version)
            services.publish(actor=reviewer, version=version, comment="演示数据：审核通过")
            created += 1
    return created


def load_life_events(editor: Any, reviewer: Any) -> int:
    existing = set(LifeEvent.objects.values_list("code", flat=True))
    created = 0
    for spec in LIFE_EVENTS:
        if spec.code in existing:
            continue
        members = [
            m if isinstance(m, str) else f"{m[0]}.{m[1]}"  # implementation code
            for m in spec.members
        ]
        event = services.save_life_event(
            actor=editor,
            data=LifeEventIn(
                code=spec.code,
                name=spec.name,
                description=spec.description,
                department_code=spec.department,
                service_objects=spec.objects,
                themes=spec.themes,
                promised_limit_days=spec.promised_limit_days,
                members=members,
            ),
        )
        services.set_life_event_status(
            actor=reviewer, event=event, status=LifeEventStatus.PUBLISHED
        )
        created += 1
    return created
