"""Demo catalogue of the exchange, after ``yiwang demo``:

* the base databases, published and mounted on their base tables: 人口基础信息 (武汉市公安局),
  法人基础信息 and 信用记录 (湖北省市场监督管理局), 电子证照索引 (湖北省政务服务和大数据管理局);
  their fields are the base tables' columns (``exchange.sources``);
* 不动产登记信息 (conditional) and 社会保险参保信息 (unconditional, 武汉市人社局), and a
  draft of 出入境证件信息 (not shared);
* 武汉市人社局 holds a grant on 人口基础信息 and has asked for 不动产登记信息 (pending);
* a data officer per department (``data-<department code>``, the demo password and
  authenticator secret of every demo staff account).

Safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from yiwang.exchange import services
from yiwang.exchange.models import DataResource, ShareRequest
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department, Role

POLICE = "4201-GAJ"
MARKET = "42-SCJG"
DATA_BUREAU = "42-ZWSJ"
HRSS = "4201-RSJ"
CITY_DATA = "4201-ZWSJ"

_POPULATION = [
    ("id_number", "公民身份号码", "string", True),
    ("name", "姓名", "string", True),
    ("gender", "性别", "string", False),
    ("birth_date", "出生日期", "date", False),
    ("ethnicity", "民族", "string", False),
    ("address", "住址", "string", True),
    ("household_region", "户籍地行政区划", "string", False),
]

#: (code, source, provider, name, classification, abstract, share type, conditions, cycle)
BASE = [
    (
        "JC-RK-0001",
        "population",
        POLICE,
        "人口基础信息",
        "1.01.001",
        "户籍人口的公民身份号码、姓名、性别、出生日期、民族、住址和户籍地。",
        "conditional",
        "用于政务服务办理中的身份核验,须说明办理事项。",
        "daily",
    ),
    (
        "JC-FR-0001",
        "legal_entities",
        MARKET,
        "法人基础信息",
        "1.02.001",
        "企业、个体工商户等市场主体的统一社会信用代码、名称、类型、法定代表人、住所和登记状态。",
        "unconditional",
        "",
        "daily",
    ),
    (
        "JC-XY-0001",
        "credit_records",
        MARKET,
        "信用记录",
        "1.03.001",
        "市场主体的行政许可、行政处罚、经营异常和严重失信名单记录。",
        "unconditional",
        "",
        "daily",
    ),
    (
        "JC-ZZ-0001",
        "licence_index",
        DATA_BUREAU,
        "电子证照索引",
        "1.05.001",
        "电子证照的标识、类型、持证主体、签发部门、有效期和状态。",
        "conditional",
        "用于免提交材料核验,须持证人授权或法定依据。",
        "realtime",
    ),
]

#: (code, provider, name, classification, abstract, share type, conditions, legal basis,
#:  methods, cycle, fields)
OTHERS: list[tuple[str, str, str, str, str, str, str, str, list[str], str, list[Any]]] = [
    (
        "ZT-BDC-0001",
        CITY_DATA,
        "不动产登记信息",
        "2.04.001",
        "不动产权利人、坐落、权利类型、面积和登记时间。",
        "conditional",
        "用于住房保障、公积金等事项审核。",
        "",
        ["api"],
        "daily",
        [
            ("certificate_no", "不动产权证号", "string", False),
            ("owner_id_number", "权利人证件号码", "string", True),
            ("location", "坐落", "string", False),
            ("area", "面积", "number", False),
        ],
    ),
    (
        "ZT-SB-0001",
        HRSS,
        "社会保险参保信息",
        "2.06.001",
        "参保人员的险种、参保状态、参保地和缴费月数。",
        "unconditional",
        "",
        "",
        ["api", "subscription"],
        "monthly",
        [
            ("id_number", "公民身份号码", "string", True),
            ("insurance_type", "险种", "string", False),
            ("status", "参保状态", "string", False),
            ("months_paid", "累计缴费月数", "integer", False),
        ],
    ),
    (
        "ZT-CRJ-0001",
        POLICE,
        "出入境证件信息",
        "2.09.001",
        "护照、往来港澳通行证等出入境证件的签发记录。",
        "not_shared",
        "",
        "《中华人民共和国出境入境管理法》有关个人出入境信息保护的规定",
        [],
        "daily",
        [
            ("id_number", "公民身份号码", "string", True),
            ("passport_no", "护照号码", "string", True),
        ],
    ),
]


def _fields(specs: list[Any], source: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "title": t, "type": ty, "personal": p, "authoritative_source": source}
        for n, t, ty, p in specs
    ]


def _officer(actor: Any, department: Department, say: Any) -> Any:
    """The department's data officer, made (with the demo password and authenticator) when
    it has none."""
    from yiwang.identity.demo import ensure_staff

    account, created = ensure_staff(
        actor,
        username=f"data-{department.code}".lower(),
        display_name=f"{department.name}数据专员",
        role=Role.DATA_OFFICER,
        region=department.region,
        department=department,
    )
    if created:
        say(f"exchange: data officer {account.username} created")
    return account


def _resource(officer: Any, code: str, provider: str, fields: list[Any], **meta: Any) -> Any:
    existing = DataResource.objects.filter(code=code).first()
    if existing is not None:
        return existing
    resource = services.create_resource(
        actor=officer,
        code=code,
        provider_code=provider,
        fields=_fields(fields, provider),
        **meta,
    )
    return resource


def load(actor: Any, say: Any) -> None:
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    needed = {POLICE, MARKET, DATA_BUREAU, HRSS, CITY_DATA}
    if not needed <= set(departments):
        say("exchange: demo departments missing; run the kernel demo first")
        return
    officers = {code: _officer(actor, departments[code], say) for code in sorted(needed)}
    try:
        from yiwang.exchange import sources

        registry: dict[str, Any] = sources.registered()
    except ImportError:  # TODO: drop once exchange.sources is in place everywhere
        registry = {}
    created = 0
    for code, source, provider, name, classification, abstract, share, cond, cycle in BASE:
        spec = registry.get(source)
        fields = list(spec.fields) if spec is not None else _POPULATION
        before = DataResource.objects.filter(code=code).exists()
        resource = _resource(
            officers[provider],
            code,
            provider,
            fields,
            classification=classification,
            name=name,
            abstract=abstract,
            format="数据库",
            share_type=share,
            share_conditions=cond,
            share_methods=["api", "subscription"],
            open_type="not_open",
            update_cycle=cycle,
        )
        created += 0 if before else 1
        if resource.status != "published":
            services.publish_resource(actor=officers[provider], resource=resource)
        if spec is not None and not hasattr(resource, "mount"):
            try:
                services.mount_table(
                    actor=officers[provider], resource=resource, source_name=source
                )
            except DomainError as refused:
                say(f"exchange: {code} not mounted: {refused.message}")
    for (
        code,
        provider,
        name,
        classification,
        abstract,
        share,
        cond,
        basis,
        methods,
        cycle,
        fields,
    ) in OTHERS:
        before = DataResource.objects.filter(code=code).exists()
        resource = _resource(
            officers[provider],
            code,
            provider,
            fields,
            classification=classification,
            name=name,
            abstract=abstract,
            format="接口",
            share_type=share,
            share_conditions=cond,
            legal_basis=basis,
            share_methods=methods,
            open_type="not_open",
            update_cycle=cycle,
        )
        created += 0 if before else 1
        if share != "not_shared" and resource.status != "published":
            services.publish_resource(actor=officers[provider], resource=resource)
    _requests(officers[HRSS])
    say(f"exchange: {created} catalogue entries created, {len(BASE) + len(OTHERS) - created} kept")


def _requests(consumer: Any) -> None:
    """人社局's grant on 人口基础信息 (approved by 公安局) and its pending request for
    不动产登记信息."""
    population = DataResource.objects.get(code="JC-RK-0001")
    if not ShareRequest.objects.filter(resource=population, consumer__code=HRSS).exists():
        request = services.request_share(
            actor=consumer,
            resource=population,
            fields=["id_number", "name", "gender", "birth_date"],
            purpose="社会保险参保登记时核验参保人身份",
            legal_basis="《中华人民共和国社会保险法》第五十八条",
        )
        police_officer = get_user_model().objects.get(username=f"data-{POLICE}".lower())
        if request.status == "pending":
            services.approve(actor=police_officer, request=request, reason="同意,用于参保核验")
    estate = DataResource.objects.get(code="ZT-BDC-0001")
    if not ShareRequest.objects.filter(resource=estate, consumer__code=HRSS).exists():
        services.request_share(
            actor=consumer,
            resource=estate,
            fields=["certificate_no", "owner_id_number", "location"],
            purpose="住房困难家庭社会救助资格审核",
            legal_basis="《社会救助暂行办法》第三十八条",
        )
