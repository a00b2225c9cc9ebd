"""Demo staff accounts: one per standard persona, all with the same demo password."""

from __future__ import annotations

from typing import Any

from yiwang.identity.models import Account
from yiwang.identity.services import create_staff_account
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region, Role

DEMO_PASSWORD = "Yiwang-demo-2026"  # noqa: S105  (printed by `yiwang demo`; demo only)

#: (username, name, mobile, role, region code, department code or None)
STAFF = [
    ("admin", "平台管理员", "13800000001", Role.PLATFORM_ADMIN, "42", None),
    ("auditor", "审计员", "13800000002", Role.AUDITOR, "42", None),
    ("clerk", "武昌区窗口人员", "13800000003", Role.WINDOW_CLERK, "420106", "420106-SCJG"),
    ("approver", "武昌区审批人员", "13800000004", Role.APPROVER, "420106", "420106-SCJG"),
    ("outsider", "宜昌市窗口人员", "13800000005", Role.WINDOW_CLERK, "4205", "4205-SCJG"),
    (
        "deptadmin",
        "武汉市市场监管局管理员",
        "13800000006",
        Role.DEPARTMENT_ADMIN,
        "4201",
        "4201-SCJG",
    ),
    ("agent", "12345话务员", "13800000007", Role.HOTLINE_AGENT, "4201", None),
    ("dataofficer", "武汉市数据专员", "13800000008", Role.DATA_OFFICER, "4201", "4201-ZWSJ"),
]


def load(actor: Any, say: Any) -> None:
    created = 0
    for username, name, mobile, role, region_code, department_code in STAFF:
        account = Account.objects.filter(username=username).first()
        if account is None:
            account = create_staff_account(
                actor=actor,
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                mobile=mobile,
                is_superuser=(role == Role.PLATFORM_ADMIN),
            )
            created += 1
        department = Department.objects.get(code=department_code) if department_code else None
        kernel.assign_role(
            actor=actor,
            user=account,
            role=role,
            region=Region.objects.get(code=region_code),
            department=department,
        )
    say(
        f"staff accounts: {created} created, {len(STAFF) - created} kept "
        f"(password for all: {DEMO_PASSWORD})"
    )
