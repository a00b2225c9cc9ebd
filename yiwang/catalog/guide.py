"""The public guide (办事指南) of a published implementation or life event, as plain data.

The HTML page and the PDF draw the same :class:`Guide` / :class:`LifeEventGuide`, so both
always say the same thing. Labels and values are translated when the guide is built (in the
request's language); nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.catalog import process, services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import (
    Channel,
    HandlingKind,
    ImplementationVersion,
    ItemImplementation,
    ItemType,
    LifeEvent,
    LifeEventMember,
    LifeEventStatus,
    Material,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceObject,
    Theme,
)
from yiwang.kernel.models import RegionLevel, Role

# --- lookups: what the public may see ------------------------------------------------------


def published_implementation(code: str) -> ItemImplementation | None:
    """The implementation with a published version, or None (a draft, a withdrawn one and an
    unknown code all look the same)."""
    implementation: ItemImplementation | None = (
        ItemImplementation.objects.select_related("item", "department", "region", "current")
        .filter(code=code, current__isnull=False, current__status="published")
        .first()
    )
    return implementation


def published_life_event(code: str) -> LifeEvent | None:
    event: LifeEvent | None = (
        LifeEvent.objects.select_related("department", "region")
        .filter(code=code, status=LifeEventStatus.PUBLISHED)
        .first()
    )
    return event


# --- shared pieces -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One labelled element of a guide (a row of a summary list)."""

    label: str
    value: str


def choice_label(choices: Any, value: str) -> str:
    """The label of a stored choice; the raw value when the choice is unknown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def labels(choices: Any, values: list[str]) -> list[str]:
    return [choice_label(choices, v) for v in values]


def days_text(days: int | None, *, instant: bool = False) -> str:
    """A time limit as a person reads it: 即办 or N 个工作日."""
    if instant:
        return _("即办")
    if days is None:
        return _("未规定")
    return _("%(n)d 个工作日") % {"n": days}


def trips_text(trips: int) -> str:
    if trips == 0:
        return _("零跑动（全程网上办理）")
    return _("最多跑 %(n)d 次") % {"n": trips}


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


@dataclass(frozen=True)
class Fee:
    name: str
    amount: str
    basis: str


def fees_of(raw: list[dict[str, Any]]) -> tuple[list[Fee], str]:
    """The fee rows and a one-line summary (不收费 when nothing is charged)."""
    fees = [
        Fee(
            name=str(f.get("name", "")),
            amount=_("%(amount)s 元")
            % {"amount": _amount(f.get("amount")).quantize(Decimal("0.01"))},
            basis=str(f.get("basis", "")),
        )
        for f in raw
    ]
    charged = sum((_amount(f.get("amount")) for f in raw), Decimal(0))
    summary = (
        _("不收费")
        if charged == 0
        else _("收费，合计 %(amount)s 元") % {"amount": charged.quantize(Decimal("0.01"))}
    )
    return fees, summary


def exempt_note(source: str, license_type: str, shared_data: str) -> str:
    """How a requirement can be met without uploading anything (免提交), or ''."""
    if source == MaterialSource.LICENCE:
        if license_type:
            return _("免提交：可调用电子证照（%(type)s）") % {"type": license_type}
        return _("免提交：可调用电子证照")
    if source == MaterialSource.SHARED_DATA:
        if shared_data:
            return _("免提交：可通过共享数据（%(data)s）获取") % {"data": shared_data}
        return _("免提交：可通过共享数据获取")
    return ""


# --- the guide of an implementation --------------------------------------------------------


@dataclass(frozen=True)
class GuideMaterial:
    number: int
    name: str
    form: str
    copies: int
    required: bool
    exempt: str  # the 免提交 note, '' when the applicant must provide it
    note: str


@dataclass(frozen=True)
class GuideStep:
    number: int
    name: str
    role: str  # who handles it, in Chinese
    kind: str  # start, task, gateway, end


@dataclass(frozen=True)
class LifeEventLink:
    code: str
    name: str
    url: str


@dataclass
class Guide:
    code: str
    name: str
    item_code: str
    department: str
    region: str
    version: int
    published_at: Any
    #: 基本信息: name, code, type, basis, level, object, …
    basics: list[Fact]
    acceptance_conditions: str
    materials: list[GuideMaterial]
    steps: list[GuideStep]
    #: 办理时限: statutory, promised, kind
    limits: list[Fact]
    statutory_limit: str
    promised_limit: str
    fees: list[Fee]
    fee_summary: str
    #: 办理结果
    result: list[Fact]
    #: 办理方式: channels, trips
    channels: list[str]
    online: bool
    trips: str
    max_trips: int
    #: 办理地点与咨询
    contacts: list[Fact]
    life_events: list[LifeEventLink] = field(default_factory=list)
    url: str = ""
    pdf_url: str = ""

    @property
    def exempt_count(self) -> int:
        return sum(1 for m in self.materials if m.exempt)


def _materials(version: ImplementationVersion) -> list[GuideMaterial]:
    rows: list[Material] = list(version.materials.all())
    return [
        GuideMaterial(
            number=i,
            name=m.name,
            form=choice_label(MaterialForm, m.form),
            copies=m.copies,
            required=m.required,
            exempt=exempt_note(m.source, m.license_type, m.shared_data),
            note=m.note,
        )
        for i, m in enumerate(rows, start=1)
    ]


def _role_label(role: str) -> str:
    return choice_label(Role, role) if role else ""


def steps(source: str) -> list[GuideStep]:
    """The process steps to draw, with who handles each in Chinese. A stored process was
    validated on save; should it no longer parse, the guide shows the default process."""
    try:
        found = process.steps_of(source)
    except FieldErrors:
        found = process.steps_of("")
    out = []
    for i, step in enumerate(found, start=1):
        role = _("申请人") if step.kind == "start" else _role_label(step.role)
        out.append(GuideStep(number=i, name=step.name, role=role, kind=step.kind))
    return out


def _life_events_with(implementation: ItemImplementation) -> list[LifeEventLink]:
    members = (
        LifeEventMember.objects.filter(
            implementation=implementation, life_event__status=LifeEventStatus.PUBLISHED
        )
        .select_related("life_event")
        .order_by("life_event__code")
    )
    seen: dict[str, LifeEventLink] = {}
    for member in members:
        event = member.life_event
        seen.setdefault(
            event.code,
            LifeEventLink(
                code=event.code,
                name=event.name,
                url=reverse("catalog:life-event", args=[event.code]),
            ),
        )
    return list(seen.values())


def build(implementation: ItemImplementation) -> Guide:
    """The guide of an implementation's published version."""
    version = implementation.current
    if version is None:
        raise ValueError(f"{implementation.code} has no published version")
    item = implementation.item
    instant = version.handling_kind == HandlingKind.INSTANT
    statutory = days_text(version.statutory_limit_days)
    if instant and version.statutory_limit_days is None:
        statutory = _("即办")
    promised = days_text(version.promised_limit_days, instant=instant)
    fees, fee_summary = fees_of(list(version.fees or []))
    levels = labels(RegionLevel, list(item.handling_levels or []))
    region = implementation.region
    basics = [
        Fact(_("事项名称"), version.name),
        Fact(_("事项编码"), version.item_code),
        Fact(_("实施编码"), implementation.code),
        Fact(_("事项类型"), choice_label(ItemType, version.item_type)),
        Fact(_("设定依据"), version.legal_basis),
        Fact(_("行使层级"), "、".join(levels) or _("未规定")),
        Fact(_("服务对象"), "、".join(labels(ServiceObject, list(version.service_objects)))),
        Fact(_("实施主体"), implementation.department.name),
        Fact(_("实施区域"), region.name),
    ]
    themes = labels(Theme, list(item.themes or []))
    if themes:
        basics.append(Fact(_("主题分类"), "、".join(themes)))
    limits = [
        Fact(_("办件类型"), choice_label(HandlingKind, version.handling_kind)),
        Fact(_("法定办结时限"), statutory),
        Fact(_("承诺办结时限"), promised),
    ]
    result = [Fact(_("结果类型"), choice_label(ResultType, version.result_type))]
    if version.result_name:
        result.append(Fact(_("结果名称"), version.result_name))
    if version.result_license_type:
        result.append(
            Fact(
                _("电子证照"),
                _("同步生成电子证照（%(type)s）") % {"type": version.result_license_type},
            )
        )
    not_given = _("暂未提供")
    contacts = [
        Fact(_("办理地点"), version.hall_address or not_given),
        Fact(_("办理时间"), version.office_hours or not_given),
        Fact(_("咨询电话"), version.phone or not_given),
        Fact(_("监督投诉电话"), version.complaint_phone or _("12345 政务服务便民热线")),
    ]
    channels = list(version.channels or [])
    return Guide(
        code=implementation.code,
        name=version.name,
        item_code=version.item_code,
        department=implementation.department.name,
        region=region.name,
        version=version.number,
        published_at=version.published_at,
        basics=basics,
        acceptance_conditions=version.acceptance_conditions,
        materials=_materials(version),
        steps=steps(version.process_bpmn),
        limits=limits,
        statutory_limit=statutory,
        promised_limit=promised,
        fees=fees,
        fee_summary=fee_summary,
        result=result,
        channels=labels(Channel, channels),
        online=Channel.ONLINE in channels,
        trips=trips_text(version.max_trips),
        max_trips=version.max_trips,
        contacts=contacts,
        life_events=_life_events_with(implementation),
        url=reverse("catalog:guide", args=[implementation.code]),
        pdf_url=reverse("catalog:guide-pdf", args=[implementation.code]),
    )


# --- the guide of a life event --------------------------------------------------------------


@dataclass(frozen=True)
class EventItem:
    number: int
    code: str
    name: str
    department: str
    promised_limit: str
    url: str  # '' when the item is not published now


@dataclass(frozen=True)
class EventMaterial:
    number: int
    name: str
    copies: int
    required: bool
    exempt: bool
    needed_by: list[str]  # item names


@dataclass(frozen=True)
class EventField:
    number: int
    title: str
    required: bool
    asked_by: list[str]  # item names


@dataclass
class LifeEventGuide:
    code: str
    name: str
    description: str
    department: str
    region: str
    basics: list[Fact]
    promised_limit: str
    items: list[EventItem]
    materials: list[EventMaterial]
    fields: list[EventField]
    #: False when the members' forms no longer merge (shown as a note, never an error page)
    form_ok: bool = True
    url: str = ""
    pdf_url: str = ""

    @property
    def exempt_count(self) -> int:
        return sum(1 for m in self.materials if m.exempt)


def _event_limit(event: LifeEvent, implementations: list[ItemImplementation]) -> str:
    if event.promised_limit_days:
        return days_text(event.promised_limit_days)
    versions = [i.current for i in implementations if i.current is not None]
    if versions and all(v.handling_kind == HandlingKind.INSTANT for v in versions):
        return _("即办")
    total = sum(v.promised_limit_days or 0 for v in versions)
    return _("%(n)d 个工作日（各事项承诺时限合计）") % {"n": total}


def build_life_event(event: LifeEvent) -> LifeEventGuide:
    """The guide of a published life event: its items, one material list, one form."""
    implementations = services.flatten(event)
    published = {i.code: i for i in implementations if i.current is not None}
    names = {code: impl.current.name for code, impl in published.items() if impl.current}
    items = [
        EventItem(
            number=n,
            code=impl.code,
            name=impl.current.name if impl.current else impl.item.name,
            department=impl.department.name,
            promised_limit=(
                days_text(
                    impl.current.promised_limit_days,
                    instant=impl.current.handling_kind == HandlingKind.INSTANT,
                )
                if impl.current
                else _("暂停办理")
            ),
            url=reverse("catalog:guide", args=[impl.code]) if impl.current else "",
        )
        for n, impl in enumerate(implementations, start=1)
    ]
    materials: list[EventMaterial] = []
    fields: list[EventField] = []
    form_ok = True
    try:
        merged = services.merged(event)
    except FieldErrors:
        form_ok = False
    else:
        for entry in merged.materials:
            needed_by = [names[c] for c in entry["sources"] if c in names]
            if not needed_by:
                continue  # asked for only by items not published now
            materials.append(
                EventMaterial(
                    number=len(materials) + 1,
                    name=entry["name"],
                    copies=entry["copies"],
                    required=entry["required"],
                    exempt=entry["exempt_possible"],
                    needed_by=needed_by,
                )
            )
        properties = merged.form.schema.get("properties", {})
        required = set(merged.form.schema.get("required", []))
        for key in merged.form.ui.get("order", list(properties)):
            prop = properties.get(key)
            if prop is None:
                continue
            meaning = prop.get("x-meaning", key)
            asked_by = [names[c] for c in merged.form.sources.get(meaning, []) if c in names]
            if not asked_by:
                continue
            fields.append(
                EventField(
                    number=len(fields) + 1,
                    title=str(prop.get("title", key)),
                    required=key in required,
                    asked_by=list(dict.fromkeys(asked_by)),
                )
            )
    limit = _event_limit(event, implementations)
    basics = [
        Fact(_("名称"), event.name),
        Fact(_("编码"), event.code),
        Fact(_("牵头部门"), event.department.name),
        Fact(_("实施区域"), event.region.name),
        Fact(_("服务对象"), "、".join(labels(ServiceObject, list(event.service_objects)))),
        Fact(_("包含事项"), _("%(n)d 项") % {"n": len(items)}),
        Fact(_("承诺办结时限"), limit),
    ]
    themes = labels(Theme, list(event.themes or []))
    if themes:
        basics.append(Fact(_("主题分类"), "、".join(themes)))
    return LifeEventGuide(
        code=event.code,
        name=event.name,
        description=event.description,
        department=event.department.name,
        region=event.region.name,
        basics=basics,
        promised_limit=limit,
        items=items,
        materials=materials,
        fields=fields,
        form_ok=form_ok,
        url=reverse("catalog:life-event", args=[event.code]),
        pdf_url=reverse("catalog:life-event-pdf", args=[event.code]),
    )
