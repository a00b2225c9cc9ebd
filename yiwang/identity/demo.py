"""Demo staff accounts: one per standard persona, all with the same demo password and the
same demo TOTP secret (add it to any authenticator app to sign in as any of them)."""

from __future__ import annotations

import time
from typing import Any

import pyotp

from yiwang.identity.models import Account, TotpDevice
from yiwang.identity.services import create_staff_account, enrol_totp
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region, Role

DEMO_PASSWORD = "Yiwang-demo-2026"  # noqa: S105  (printed by `yiwang demo`; demo only)
#: Every demo staff account's authenticator secret (base32; printed by `yiwang demo`).
DEMO_TOTP_SECRET = "YIWANGDEMOSTAFFTOTPSECRETQQQQQQQ"  # noqa: S105  (demo only)

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


def ensure_staff(
    actor: Any,
    *,
    username: str,
    display_name: str,
    role: str,
    region: Region,
    department: Department | None = None,
    mobile: str = "",
) -> tuple[Account, bool]:
    """A demo staff account with the demo password and authenticator, holding ``role``;
    made when missing. Returns it and whether it was made now."""
    account = Account.objects.filter(username=username).first()
    created = account is None
    if account is None:
        account = create_staff_account(
            actor=actor,
            username=username,
            password=DEMO_PASSWORD,
            display_name=display_name,
            mobile=mobile,
            is_superuser=(role == Role.PLATFORM_ADMIN),
        )
    if not TotpDevice.objects.filter(account=account).exists():
        # Enrol with the previous step's code, so the current code still signs in.
        previous = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() - 30)
        enrol_totp(
            actor=actor, account=account, secret=DEMO_TOTP_SECRET, code=previous, name="demo"
        )
    kernel.assign_role(actor=actor, user=account, role=role, region=region, department=department)
    return account, created


def load(actor: Any, say: Any) -> None:
    created = 0
    for username, name, mobile, role, region_code, department_code in STAFF:
        _account, made = ensure_staff(
            actor,
            username=username,
            display_name=name,
            role=role,
            region=Region.objects.get(code=region_code),
            department=Department.objects.get(code=department_code) if department_code else None,
            mobile=mobile,
        )
        created += made
    say(
        f"staff accounts: {created} created, {len(STAFF) - created} kept "
        f"(password for all: {DEMO_PASSWORD}; authenticator secret for all: "
        f'{DEMO_TOTP_SECRET}, 6 digits, 30 s — or `python -c "import pyotp; '
        f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"`)"
    )
    load_citizens(actor, say)


# ---- Citizens, an enterprise and its agent --------------------------------------------------

#: Mobile numbers of the demo citizens, the first three demo persons of the base data.
CITIZEN_MOBILES = ["13700000001", "13700000002", "13700000003"]


def load_citizens(actor: Any, say: Any) -> None:
    """Verified citizen accounts for 张伟, 王芳 and 李娜; 张伟 represents the first demo
    entity and 王芳 is its agent for every service for a year."""
    import datetime as dt

    from django.utils import timezone

    from yiwang.identity.models import EntityBinding
    from yiwang.identity.services import (
        agent_scope,
        bind_entity,
        create_citizen_account,
        delegate_agent,
        verify_real_name,
    )
    from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, person_id_number
    from yiwang.kernel.fields import lookup

    accounts = []
    usernames = ["zhangwei", "wangfang", "lina"]
    for (name, birth, seq), mobile, username in zip(
        PERSONS[:3], CITIZEN_MOBILES, usernames, strict=True
    ):
        account = Account.objects.filter(**lookup(Account, "mobile", mobile)).first()
        if account is None:
            account = create_citizen_account(
                actor=actor, mobile=mobile, password=DEMO_PASSWORD, username=username
            )
        if not account.verified_at:
            verify_real_name(
                actor=actor, account=account, name=name, id_number=person_id_number(birth, seq)
            )
        accounts.append(account)
    zhang, wang = accounts[0], accounts[1]
    credit_code = demo_credit_code(ENTITIES[0][0])
    entity = EntityBinding.objects.filter(credit_code=credit_code).first()
    if entity is None:
        entity = bind_entity(actor=actor, account=zhang, credit_code=credit_code)
    if agent_scope(wang, credit_code) is None:
        delegate_agent(
            actor=zhang,
            entity=entity,
            agent_mobile=wang.mobile,
            scope=["*"],
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )
    people = ", ".join(f"{a.username} ({a.display_name}, {a.mobile})" for a in accounts)
    say(
        f"citizen accounts: {people} (password: {DEMO_PASSWORD}); "
        f"{zhang.display_name} represents {entity.name} ({credit_code}), "
        f"{wang.display_name} is its agent for every service"
    )
