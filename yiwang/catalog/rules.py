"""The narrowing rules: what an implementation may change of its master item.

A department implements an item as the law sets it out; locally it may only make things
easier for the applicant: a shorter promised limit (never longer than the statutory one),
fewer channels, trips or materials, lower fees, optional instead of required materials,
and materials met by a licence or shared data instead of an upload. It may not add what the
master item does not have."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalog.errors import field_error
from yiwang.catalog.models import HandlingKind, MaterialSource, ServiceItem


def check(item: ServiceItem, data: dict[str, Any], region_level: str) -> list[dict[str, Any]]:
    """Every rule the version content ``data`` breaks against ``item``; empty when it holds.

    ``data`` holds the version's fields as stored (``materials`` as a list of dicts)."""
    errors: list[dict[str, Any]] = []
    if region_level not in item.handling_levels:
        errors.append(
            field_error(
                "department_code",
                "handling_level_not_allowed",
                _("该事项的行使层级为 %(levels)s,不能由%(level)s级部门实施。")
                % {"levels": ", ".join(item.handling_levels), "level": region_level},
            )
        )
    errors += _check_limits(item, data)
    for name in ("service_objects", "channels"):
        extra = [v for v in data[name] if v not in getattr(item, name)]
        if extra:
            errors.append(
                field_error(
                    name,
                    "wider_than_master",
                    _("%(values)s 不在主项的范围内(只能收窄,不能扩大)。")
                    % {"values": ", ".join(extra)},
                )
            )
        if not data[name]:
            errors.append(field_error(name, "required", _("至少选择一项。")))
    if data["max_trips"] > item.max_trips:
        errors.append(
            field_error(
                "max_trips",
                "wider_than_master",
                _("跑动次数不能多于主项规定的 %(n)d 次。") % {"n": item.max_trips},
            )
        )
    errors += _check_fees(item, data["fees"])
    errors += _check_materials(item, data["materials"])
    return errors


def _check_limits(item: ServiceItem, data: dict[str, Any]) -> list[dict[str, Any]]:
    promised = data.get("promised_limit_days")
    if data["handling_kind"] == HandlingKind.INSTANT:
        if promised:
            return [
                field_error(
                    "promised_limit_days",
                    "instant_has_limit",
                    _("即办件当场办结,不设承诺时限。"),
                )
            ]
        return []
    if not promised:
        return [
            field_error(
                "promised_limit_days",
                "promised_limit_required",
                _("承诺件必须填写承诺时限(工作日)。"),
            )
        ]
    statutory = item.statutory_limit_days
    if statutory is not None and promised > statutory:
        return [
            field_error(
                "promised_limit_days",
                "promised_limit_exceeds_statutory",
                _("承诺时限 %(p)d 个工作日长于法定时限 %(s)d 个工作日。")
                % {"p": promised, "s": statutory},
            )
        ]
    return []


def _check_fees(item: ServiceItem, fees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    master = {f["name"]: Decimal(str(f["amount"])) for f in item.fees}
    errors = []
    for i, fee in enumerate(fees):
        if fee["name"] not in master:
            errors.append(
                field_error(
                    f"fees[{i}].name",
                    "wider_than_master",
                    _("收费项目“%(name)s”不在主项中。") % {"name": fee["name"]},
                )
            )
        elif Decimal(str(fee["amount"])) > master[fee["name"]]:
            errors.append(
                field_error(
                    f"fees[{i}].amount",
                    "wider_than_master",
                    _("收费标准不能高于主项的 %(amount)s 元。") % {"amount": master[fee["name"]]},
                )
            )
    return errors


def _check_materials(item: ServiceItem, materials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    master = {m.code: m for m in item.materials.all()}
    errors = []
    seen: set[str] = set()
    for i, material in enumerate(materials):
        code = material["code"]
        if code in seen:
            errors.append(
                field_error(
                    f"materials[{i}].code",
                    "duplicate",
                    _("材料编码 %(code)s 重复。") % {"code": code},
                )
            )
        seen.add(code)
        base = master.get(code)
        if base is None:
            errors.append(
                field_error(
                    f"materials[{i}].code",
                    "wider_than_master",
                    _("材料“%(name)s”不在主项的材料清单中(实施清单不能增加材料)。")
                    % {"name": material["name"]},
                )
            )
            continue
        if material["required"] and not base.required:
            errors.append(
                field_error(
                    f"materials[{i}].required",
                    "wider_than_master",
                    _("主项中“%(name)s”为非必要材料,不能改为必要。") % {"name": base.name},
                )
            )
        if material["source"] == MaterialSource.UPLOAD and base.exempt_possible:
            errors.append(
                field_error(
                    f"materials[{i}].source",
                    "wider_than_master",
                    _("主项中“%(name)s”可由电子证照或共享数据免于提交,不能改为由申请人提交。")
                    % {"name": base.name},
                )
            )
        if material["copies"] > base.copies:
            errors.append(
                field_error(
                    f"materials[{i}].copies",
                    "wider_than_master",
                    _("“%(name)s”份数不能多于主项的 %(n)d 份。")
                    % {"name": base.name, "n": base.copies},
                )
            )
    return errors
