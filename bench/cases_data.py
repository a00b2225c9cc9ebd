"""What the case benchmarks share: a small region tree, the departments and staff of 武昌区
and 武汉市, published implementations, citizens signed in over HTTP, and their draft cases.

Everything is made through the services (catalogue publication, ``cases.services.start`` /
``save_form`` / ``attach``), so the cases are what the platform itself makes; only accounts
and their sessions are written directly, as bench_identity_oidc.py does."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.utils.crypto import get_random_string

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.catalog import services as catalog
from yiwang.catalog.schemas import ItemIn, VersionIn
from yiwang.identity.models import Account, AccountSession
from yiwang.identity.services.sessions import AUTH_AT_KEY, FACTORS_KEY
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region, Role

ACTOR = "bench"

REGIONS_CSV = """code,name,level,parent_code
42,湖北省,province,
4201,武汉市,city,42
420106,武昌区,county,4201
"""

#: 个体工商户设立登记 as a citizen fills it in: the size and checks of a real form.
FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "applicant_name": {
            "type": "string",
            "title": "经营者姓名",
            "minLength": 2,
            "maxLength": 30,
            "x-meaning": "applicant.name",
        },
        "id_number": {
            "type": "string",
            "title": "身份证号码",
            "pattern": "^[0-9]{17}[0-9Xx]$",
            "x-meaning": "applicant.id_number",
        },
        "mobile": {"type": "string", "title": "联系电话", "pattern": "^1[3-9][0-9]{9}$"},
        "shop_name": {"type": "string", "title": "个体工商户名称", "maxLength": 60},
        "business_scope": {"type": "string", "title": "经营范围", "maxLength": 500},
        "address": {"type": "string", "title": "经营场所", "maxLength": 200},
        "capital": {"type": "number", "title": "资金数额(万元)", "minimum": 0},
        "employees": {"type": "integer", "title": "从业人数", "minimum": 0, "maximum": 999},
        "form_of_organisation": {
            "type": "string",
            "title": "组成形式",
            "enum": ["个人经营", "家庭经营"],
        },
    },
    "required": [
        "applicant_name",
        "id_number",
        "mobile",
        "shop_name",
        "business_scope",
        "address",
        "form_of_organisation",
    ],
}

FORM: dict[str, Any] = {
    "applicant_name": "张伟",
    "id_number": "420106199001011234",
    "mobile": "13900000001",
    "shop_name": "武昌区张伟小吃店",
    "business_scope": "餐饮服务(小餐饮);预包装食品销售(不含冷藏冷冻食品);散装食品销售",
    "address": "湖北省武汉市武昌区中北路 100 号 1 层 101 室",
    "capital": 5,
    "employees": 3,
    "form_of_organisation": "个人经营",
}

#: A small valid PDF: the application form (申请书) the citizen uploads.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

MATERIALS: list[dict[str, Any]] = [
    {"code": "M01", "name": "个体工商户登记(备案)申请书", "form": "original", "required": True},
    {
        "code": "M02",
        "name": "经营者身份证明",
        "form": "copy",
        "required": True,
        "source": "licence",
        "license_type": "resident_id_card",
        "meaning": "applicant.id_card",
    },
    {"code": "M03", "name": "经营场所使用证明", "form": "copy", "required": False},
]


@dataclass(frozen=True)
class World:
    """The departments and people of a benchmark."""

    province: Department  # keeps the master items
    owning: Department  # 武昌区市场监督管理局: implements and handles
    other: Department  # 武汉市生态环境局: joins the review (并联审批)
    clerk: Account  # window_clerk of ``owning``
    approver: Account  # approver of ``owning``
    other_approver: Account  # approver of ``other``
    item_owner: Account
    editor: Account
    reviewer: Account


def _staff(username: str, role: Role, *, department: Department | None, region: Region) -> Account:
    account = Account.objects.create(username=username, is_staff=True, display_name=username)
    kernel.assign_role(actor=ACTOR, user=account, role=role, region=region, department=department)
    return account


def world() -> World:
    """Regions, departments and staff (once per benchmark database)."""
    kernel.import_regions(REGIONS_CSV, actor=ACTOR)
    hubei, wuhan, wuchang = (Region.objects.get(code=c) for c in ("42", "4201", "420106"))
    province = kernel.create_department(
        actor=ACTOR, code="42-SCJG", name="湖北省市场监督管理局", region=hubei
    )
    owning = kernel.create_department(
        actor=ACTOR, code="420106-SCJG", name="武昌区市场监督管理局", region=wuchang
    )
    other = kernel.create_department(
        actor=ACTOR, code="4201-HB", name="武汉市生态环境局", region=wuhan
    )
    return World(
        province=province,
        owning=owning,
        other=other,
        clerk=_staff("clerk", Role.WINDOW_CLERK, department=owning, region=wuchang),
        approver=_staff("approver", Role.APPROVER, department=owning, region=wuchang),
        other_approver=_staff("other_approver", Role.APPROVER, department=other, region=wuhan),
        item_owner=_staff("item_owner", Role.DEPARTMENT_ADMIN, department=province, region=hubei),
        editor=_staff("editor", Role.DEPARTMENT_ADMIN, department=owning, region=wuchang),
        reviewer=_staff("reviewer", Role.PLATFORM_ADMIN, department=None, region=hubei),
    )


def publish(
    w: World,
    *,
    code: str,
    name: str,
    process_bpmn: str = "",
    materials: list[dict[str, Any]] | None = None,
) -> str:
    """A master item implemented by 武昌区市场监督管理局 and published through the catalogue's
    services (validated like any other, its process included); returns the implementation
    code."""
    item = catalog.create_item(
        actor=w.item_owner,
        data=ItemIn(
            code=code,
            name=name,
            item_type="licensing",
            department_code=w.province.code,
            legal_basis="《促进个体工商户发展条例》第八条;《市场主体登记管理条例》第三条",
            handling_levels=["province", "city", "county"],
            service_objects=["citizen"],
            themes=["establishment"],
            acceptance_conditions="经营者具有完全民事行为能力,经营场所符合规定。",
            statutory_limit_days=15,
            result_type="licence",
            result_name="营业执照",
            result_license_type="business_licence",
            channels=["online", "hall"],
            materials=MATERIALS if materials is None else materials,
        ),
    )
    implementation = catalog.create_implementation(
        actor=w.editor,
        item=item,
        department=w.owning,
        data=VersionIn(
            promised_limit_days=5,
            hall_address="武汉市武昌区中北路 1 号政务服务中心 2 楼",
            office_hours="工作日 9:00-17:00",
            phone="027-12345678",
            form_schema=FORM_SCHEMA,
            process_bpmn=process_bpmn,
        ),
    )
    version = implementation.versions.get()
    catalog.submit(actor=w.editor, version=version)
    catalog.publish(actor=w.reviewer, version=version, comment="同意发布")
    return str(implementation.code)


def citizens(count: int) -> list[Account]:
    return [
        Account.objects.create(
            username=f"citizen{n}",
            display_name="张伟",
            verification_level=2,
            mobile=f"139{n:08d}",
        )
        for n in range(count)
    ]


def session_cookie(user: Account) -> str:
    """A signed-in session for ``user`` (password factor), as a browser holds it after
    signing in; returns the session key (the ``sessionid`` cookie)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session[FACTORS_KEY] = ["password"]
    session[AUTH_AT_KEY] = int(time.time())
    session.create()
    key = str(session.session_key)
    AccountSession.objects.create(account=user, session_key=key, factors=["password"])
    return key


def csrf_token() -> str:
    """A CSRF secret for the ``csrftoken`` cookie and the ``X-CSRFToken`` header."""
    return get_random_string(32)


def draft(applicant: Account, implementation_code: str, *, upload: bool = True) -> Case:
    """A filled draft of ``applicant``, its application form uploaded: ready to submit."""
    case = cases.start(actor=applicant, implementation_code=implementation_code)
    case = cases.save_form(actor=applicant, case=case, form_data=dict(FORM))
    if upload:
        cases.attach(
            actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="申请书.pdf"
        )
    return case


def drafts_for(
    applicants: list[Account],
    implementation_code: str,
    per_applicant: int,
    *,
    upload: bool = True,
    progress: Callable[[str], None] = print,
) -> list[list[Case]]:
    """``per_applicant`` drafts for each applicant (one list per applicant)."""
    started = time.perf_counter()
    made: list[list[Case]] = []
    for applicant in applicants:
        made.append(
            [draft(applicant, implementation_code, upload=upload) for _ in range(per_applicant)]
        )
        done = len(made) * per_applicant
        progress(
            f"cases_data: {done}/{len(applicants) * per_applicant} drafts "
            f"({done / (time.perf_counter() - started):.0f}/s)"
        )
    return made
