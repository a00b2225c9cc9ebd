"""The hotline tests' shared personas and reference data: the 12345 centre of 武汉市 with an
agent and a supervisor, a lead department (住房和城市更新局) and a supporting department
(城市管理执法委员会) with a clerk each, the conftest's outsider clerk (宜昌市) and citizen,
a two-level topic taxonomy with dispatch rules for 武汉市, and deadline rules for every
category and urgency. (Other hotline tests append their fixtures at the end of this file.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import DepartmentFactory, RegionTree, StaffFactory


@pytest.fixture
def centre(regions: RegionTree) -> Any:
    """The hotline centre (12345 市民服务热线中心) of 武汉市."""
    return DepartmentFactory(
        code="4201-12345", name="武汉市12345市民服务热线中心", region=regions.wuhan
    )


@pytest.fixture
def lead_department(regions: RegionTree) -> Any:
    return DepartmentFactory(code="4201-ZFGXJ", name="武汉市住房和城市更新局", region=regions.wuhan)


@pytest.fixture
def supporting_department(regions: RegionTree) -> Any:
    return DepartmentFactory(code="4201-CGW", name="武汉市城市管理执法委员会", region=regions.wuhan)


@pytest.fixture
def agent(centre: Any) -> Any:
    """A hotline agent (话务员) of the centre."""
    return StaffFactory(username="agent", role="hotline_agent", department=centre)


@pytest.fixture
def supervisor(centre: Any) -> Any:
    """The centre's supervisor (its department administrator)."""
    return StaffFactory(username="supervisor", role="department_admin", department=centre)


@pytest.fixture
def lead_clerk(lead_department: Any) -> Any:
    return StaffFactory(username="lead_clerk", role="window_clerk", department=lead_department)


@pytest.fixture
def support_clerk(supporting_department: Any) -> Any:
    return StaffFactory(
        username="support_clerk", role="window_clerk", department=supporting_department
    )


@dataclass
class Taxonomy:
    group: Any  # 01 住房与物业
    property_service: Any  # 0101 物业服务 → lead department, supporting department
    repairs: Any  # 0102 房屋质量与维修资金 → lead department
    inactive: Any  # 0199 an inactive topic


@pytest.fixture
def topics(regions: RegionTree, lead_department: Any, supporting_department: Any) -> Taxonomy:
    """Topics 01 › 0101/0102 (and an inactive 0199) with dispatch rules for 武汉市."""
    from yiwang.hotline.models import DispatchRule, Topic

    group = Topic.objects.create(code="01", name="住房与物业")
    property_service = Topic.objects.create(
        code="0101",
        name="物业服务",
        parent=group,
        keywords=["物业", "物业公司", "物管", "物业费", "保洁"],
    )
    repairs = Topic.objects.create(
        code="0102",
        name="房屋质量与维修资金",
        parent=group,
        keywords=["漏水", "维修资金", "墙体开裂"],
    )
    inactive = Topic.objects.create(code="0199", name="已停用分类", parent=group, is_active=False)
    rule = DispatchRule.objects.create(
        topic=property_service, region=regions.wuhan, lead=lead_department
    )
    rule.supporting.add(supporting_department)
    DispatchRule.objects.create(topic=repairs, region=regions.wuhan, lead=lead_department)
    return Taxonomy(group, property_service, repairs, inactive)


@pytest.fixture
def deadline_rules(db: None) -> None:
    """Urgent: the same day (8 hours); critical: 2 hours; consultations 3 working days,
    complaints 13, the other categories 10; signing for within 2 hours."""
    from yiwang.hotline.models import Category, DeadlineRule, DeadlineUnit, Urgency

    normal_days = {Category.CONSULTATION: 3, Category.COMPLAINT: 13}
    for category in Category:
        DeadlineRule.objects.create(
            category=category,
            urgency=Urgency.NORMAL,
            amount=normal_days.get(category, 10),
            unit=DeadlineUnit.WORKING_DAYS,
        )
        DeadlineRule.objects.create(
            category=category, urgency=Urgency.URGENT, amount=8, unit=DeadlineUnit.HOURS
        )
        DeadlineRule.objects.create(
            category=category,
            urgency=Urgency.CRITICAL,
            amount=2,
            unit=DeadlineUnit.HOURS,
            sign_hours=1,
        )
