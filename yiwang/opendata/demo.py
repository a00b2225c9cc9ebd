"""Demo open-data portal, after ``yiwang demo``:

* a publisher for each demo department, and its data officer (``data-<department code>``, the
  demo password and authenticator secret of every demo staff account; the exchange demo makes
  the same accounts), who publishes its datasets;
* about 175 datasets of the kinds Chinese portals publish (:mod:`.demo_catalogue`): all 16
  themes, the province, Wuhan, 武昌区, Yichang and Xiangyang, seven licences, every update
  frequency, about 15 % open on conditions;
* each with one to three resources: generated CSV tables (UTF-8, a few in GBK as older
  systems export them) or XLSX tables of 50 to 2,000 rows, loaded into the data store by the
  services as any upload is; Excel copies, JSON samples and API links (the portal's own
  ``datastore_search``, the service catalogue's public search);
* datasets linked to the exchange catalogue's open entries, when it has some;
* data requests (some answered, one declined), access applications, ratings, comments and
  view and download counts from the demo citizens, so every page has content.

Everything goes through the services, as the publisher's clerk. Safe to run again: a dataset
that exists is kept as it is, and so is participation already there."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from yiwang.kernel.models import Department, Role
from yiwang.opendata import demo_catalogue as catalogue
from yiwang.opendata import participation, services
from yiwang.opendata.demo_catalogue import Entry
from yiwang.opendata.models import (
    AccessApplication,
    Comment,
    DataRequest,
    Dataset,
    Publisher,
    Rating,
    Resource,
)

#: Rows of an Excel copy of a CSV table, and of a JSON sample.
XLSX_COPY_ROWS = 200
JSON_ROWS = 100
#: The demo citizens (made by the identity demo) who take part.
CITIZENS = ("zhangwei", "wangfang", "lina")

_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def load(actor: Any, say: Any) -> None:
    started, cpu = time.monotonic(), time.process_time()
    entries = list(catalogue.entries())
    codes = sorted({entry.department for entry in entries})
    departments = {d.code: d for d in Department.objects.filter(code__in=codes, is_active=True)}
    if set(codes) - set(departments):
        say("open data: demo departments missing; run the kernel demo first")
        return
    publishers = {code: services.ensure_publisher(departments[code], actor=actor) for code in codes}
    clerks = {code: _clerk(actor, departments[code], say) for code in codes}
    links = _exchange_links(entries)
    created = rows = 0
    for entry in entries:
        if Dataset.objects.filter(name=entry.name).exists():
            continue
        with transaction.atomic():
            rows += _publish(
                entry,
                clerk=clerks[entry.department],
                publisher=publishers[entry.department],
                link=links.get(entry.name, ""),
            )
        created += 1
    _participate(actor, clerks, say)
    say(
        f"open data: {created} datasets created ({rows} table rows loaded), "
        f"{len(entries) - created} kept, {len(links)} linked to the exchange catalogue "
        f"({time.monotonic() - started:.1f} s, {time.process_time() - cpu:.1f} s CPU)"
    )


# --- publishers' clerks ---------------------------------------------------------------------


def _clerk(actor: Any, department: Department, say: Any) -> Any:
    """The department's data officer (``data-<code>``), made as the exchange demo makes them
    when the department has none yet; holds ``opendata.publish`` for it."""
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
        say(f"open data: data officer {account.username} created")
    return account


# --- the exchange catalogue -----------------------------------------------------------------


def _exchange_links(entries: list[Entry]) -> dict[str, str]:
    """Dataset name → code of the exchange catalogue entry it opens: each published entry
    marked open (or conditionally open) goes to the dataset of the same department whose
    title shares the most characters with the entry's name (at least two)."""
    from yiwang.exchange import services as exchange

    _total, published = exchange.search_resources(limit=1000)
    links: dict[str, str] = {}
    for resource in published:
        if resource.open_type not in ("open", "conditional"):
            continue
        candidates = [
            e for e in entries if e.department == resource.provider.code and e.name not in links
        ]
        if not candidates:
            continue
        best = max(candidates, key=lambda e: len(set(e.title) & set(resource.name)))
        if len(set(best.title) & set(resource.name)) >= 2:
            links[best.name] = resource.code
    return links


# --- datasets -------------------------------------------------------------------------------


def _publish(entry: Entry, *, clerk: Any, publisher: Publisher, link: str) -> int:
    """Create the dataset and its resources; returns the table rows loaded."""
    spec = entry.spec
    header, _rows = catalogue.rows(entry, 0)
    dataset = services.create_dataset(
        actor=clerk,
        data={
            "name": entry.name,
            "title": entry.title,
            "notes": f"{entry.notes}\n\n数据项:{'、'.join(header)}。",
            "owner_org": publisher.name,
            "tags": [{"name": tag} for tag in spec.tags],
            "theme": spec.theme,
            "region": entry.place.code,
            "license_id": entry.licence,
            "update_frequency": spec.frequency,
            "open_type": "conditional" if spec.conditions else "unconditional",
            "open_conditions": spec.conditions,
            "author": entry.author,
            "maintainer": f"{publisher.department.name}数据开放工作专班",
            "exchange_resource_code": link,
            "extras": [
                {"key": "数据截止日期", "value": catalogue.AS_OF.isoformat()},
                {"key": "数据量(条)", "value": str(entry.rows)},
                {"key": "空间范围", "value": entry.place.name},
            ],
        },
    )
    loaded = 0
    main: Resource | None = None
    for position, kind in enumerate(entry.resources):
        resource = _resource(entry, dataset, kind, clerk=clerk, main=main, first=position == 0)
        if position == 0:
            main = resource
        loaded += resource.datastore_rows
    _count_use(entry, dataset, main)
    return loaded


def _resource(
    entry: Entry, dataset: Dataset, kind: str, *, clerk: Any, main: Resource | None, first: bool
) -> Resource:
    title = entry.title
    public = settings.YIWANG_PUBLIC_URL
    data: dict[str, Any]
    upload: SimpleUploadedFile | None = None
    if kind in ("csv", "gbk"):
        encoding = "gbk" if kind == "gbk" else "utf-8-sig"
        data = {
            "name": f"{title}(CSV)",
            "description": "完整数据表,GBK 编码。" if kind == "gbk" else "完整数据表,UTF-8 编码。",
        }
        upload = _csv(entry, entry.rows, encoding)
    elif kind == "xlsx":
        count = entry.rows if first else min(entry.rows, XLSX_COPY_ROWS)
        data = {
            "name": f"{title}(Excel)",
            "description": "完整数据表。" if count == entry.rows else f"前 {count} 条记录。",
        }
        upload = _xlsx(entry, count)
    elif kind == "json":
        count = min(entry.rows, JSON_ROWS)
        data = {"name": f"{title}样例数据(JSON)", "description": f"前 {count} 条记录。"}
        upload = _json(entry, count)
    elif kind == "api" and main is not None:
        path = reverse("opendata:action", kwargs={"name": "datastore_search"})
        data = {
            "name": "数据查询接口(datastore_search)",
            "description": "按字段筛选、全文检索和分页查询本数据集的数据表,返回 JSON。",
            "url": f"{public}{path}?resource_id={main.pk}",
            "format": "API",
        }
    else:  # a path of the platform's public API
        data = {
            "name": "政务服务事项查询接口" if "search" in kind else "一件事主题查询接口",
            "description": "平台公开接口,返回 JSON。",
            "url": f"{public}{kind}",
            "format": "API",
        }
    return services.create_resource(actor=clerk, dataset=dataset, data=data, upload=upload)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _csv(entry: Entry, count: int, encoding: str) -> SimpleUploadedFile:
    header, rows = catalogue.rows(entry, count)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(f"{entry.name}.csv", text.getvalue().encode(encoding), "text/csv")


def _xlsx(entry: Entry, count: int) -> SimpleUploadedFile:
    from openpyxl import Workbook

    header, rows = catalogue.rows(entry, count)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="数据")
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(f"{entry.name}.xlsx", out.getvalue(), _XLSX_TYPE)


def _json(entry: Entry, count: int) -> SimpleUploadedFile:
    header, rows = catalogue.rows(entry, count)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    body = json.dumps(
        {"dataset": entry.name, "title": entry.title, "count": len(records), "records": records},
        ensure_ascii=False,
        indent=1,
    )
    return SimpleUploadedFile(f"{entry.name}.json", body.encode("utf-8"), "application/json")


def _count_use(entry: Entry, dataset: Dataset, main: Resource | None) -> None:
    """Some views and downloads, so lists sorted by popularity differ (first creation only)."""
    rng = random.Random(f"{entry.name}:use")  # noqa: S311 (demo numbers)
    for _ in range(rng.randint(0, 8)):
        participation.count_view(dataset)
    if main is not None and main.file_id:
        for _ in range(rng.randint(0, 3)):
            services.count_download(main)


# --- participation --------------------------------------------------------------------------

#: (requester, publisher department, title, description, purpose, answer: None (open),
#:  ("answer", dataset name or "", text) or ("decline", "", reason))
REQUESTS: list[tuple[str, str, str, str, str, tuple[str, str, str] | None]] = [
    (
        "zhangwei",
        "4201-ZWSJ",
        "武汉市公交车辆实时到站数据",
        "希望开放公交车辆实时位置和预计到站时间的接口,用于开发面向老年人的大字版公交查询小程序。",
        "开发便民出行应用",
        (
            "answer",
            "wuhan-bus-lines",
            "公交线路与站点数据已开放,并提供数据查询接口;实时到站接口正在与公交集团协调,预计下季度开放。",
        ),
    ),
    (
        "wangfang",
        "4201-ZWSJ",
        "武汉市各区停车场实时空余泊位",
        "现有停车场数据只有泊位总数,希望增加实时空余泊位数。",
        "停车诱导研究",
        (
            "answer",
            "wuhan-parking",
            "停车场分布数据已按月更新;实时空余泊位数据已纳入2025年开放计划。",
        ),
    ),
    (
        "lina",
        "4201-SCJG",
        "武汉市餐饮单位食品安全等级明细",
        "希望按区、按街道查询餐饮服务单位的动态等级,方便市民就餐选择。",
        "",
        (
            "answer",
            "wuhan-catering-grades",
            "已开放“武汉市餐饮服务食品安全等级公示”数据集,每月更新。",
        ),
    ),
    (
        "zhangwei",
        "4201-RSJ",
        "武汉市职业技能培训补贴标准",
        "希望开放各工种职业技能培训补贴标准和申领条件的结构化数据。",
        "就业服务研究",
        None,
    ),
    (
        "wangfang",
        "4201-GAJ",
        "武汉市交通事故发生地点明细",
        "希望开放每起交通事故的发生地点和时间,用于交通安全研究。",
        "交通安全学术研究",
        (
            "decline",
            "",
            "交通事故明细涉及当事人个人信息,依法不予开放;已开放按区、按月的统计数据,可申请使用。",
        ),
    ),
    (
        "lina",
        "420106-ZWSJ",
        "武昌区社区养老服务设施评价",
        "希望开放社区养老服务设施的服务评价和收费信息。",
        "为家中老人选择养老服务",
        None,
    ),
    (
        "zhangwei",
        "4205-SCJG",
        "宜昌市农产品每日价格",
        "现有农产品价格为每周数据,希望开放每日价格。",
        "",
        None,
    ),
]

#: (dataset name, citizen, comment)
COMMENTS: list[tuple[str, str, str]] = [
    ("wuhan-bus-lines", "zhangwei", "数据很实用,已经用来做了线路查询,希望能增加夜班线路的标注。"),
    ("wuhan-bus-lines", "wangfang", "首末班时间和实际运营有出入,建议核对后更新。"),
    ("wuhan-air-quality-daily", "lina", "每天都会来查看,接口响应很快。"),
    ("wuhan-public-toilets", "zhangwei", "建议增加是否有母婴室的字段。"),
    ("hubei-scenic-spots", "wangfang", "门票价格很有参考价值,希望补充预约方式。"),
    ("wuhan-enterprises", "lina", "字段齐全,能否增加经营范围?"),
    ("wuhan-schools", "wangfang", "希望增加学区划分信息。"),
    ("wuhan-elderly-homes", "zhangwei", "收费区间对家属选择养老院帮助很大,谢谢。"),
    ("wuchang-relics", "lina", "武昌的文物保护单位很多,希望补充开放参观时间。"),
    ("hubei-service-items", "zhangwei", "事项目录和办事指南接口配合使用很方便。"),
    ("wuhan-charging", "wangfang", "快充桩数量和实际情况基本一致,点赞。"),
    ("wuhan-pharmacies", "lina", "能否增加24小时营业药店的标识?"),
]


def _participate(actor: Any, clerks: dict[str, Any], say: Any) -> None:
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=CITIZENS)}
    if set(CITIZENS) - set(users):
        say("open data: demo citizens missing; run the identity demo first")
        return
    datasets = {d.name: d for d in Dataset.objects.select_related("publisher__department")}
    publishers = {p.department.code: p for p in Publisher.objects.select_related("department")}
    made = {"requests": 0, "ratings": 0, "comments": 0, "applications": 0}

    for username, department, title, description, purpose, outcome in REQUESTS:
        requester = users[username]
        if DataRequest.objects.filter(title=title, requester=requester).exists():
            continue
        request = participation.submit_data_request(
            actor=requester,
            publisher=publishers[department],
            title=title,
            description=description,
            purpose=purpose,
        )
        made["requests"] += 1
        if outcome is None:
            continue
        verb, dataset_name, text = outcome
        if verb == "answer":
            participation.answer_data_request(
                actor=clerks[department],
                request=request,
                answer=text,
                dataset=datasets.get(dataset_name),
            )
        else:
            participation.decline_data_request(
                actor=clerks[department], request=request, reason=text
            )

    # Ratings: every third dataset, by each citizen, mostly good.
    rng = random.Random("opendata-demo-ratings")  # noqa: S311 (demo numbers)
    for n, entry in enumerate(catalogue.entries()):
        scores = [rng.choice((3, 4, 4, 5, 5, 5)) for _ in CITIZENS]
        dataset = datasets.get(entry.name)
        if n % 3 or dataset is None:
            continue
        for username, score in zip(CITIZENS, scores, strict=True):
            if (n // 3 + CITIZENS.index(username)) % 3 == 2:
                continue  # not everyone rates everything
            if Rating.objects.filter(dataset=dataset, user=users[username]).exists():
                continue
            participation.rate_dataset(actor=users[username], dataset=dataset, score=score)
            made["ratings"] += 1

    for name, username, body in COMMENTS:
        dataset = datasets.get(name)
        user = users[username]
        if (
            dataset is None
            or Comment.objects.filter(dataset=dataset, user=user, body=body).exists()
        ):
            continue
        participation.comment_on_dataset(actor=user, dataset=dataset, body=body)
        made["comments"] += 1

    made["applications"] = _applications(users, clerks, datasets)
    say(
        "open data: {requests} data requests, {ratings} ratings, {comments} comments, "
        "{applications} access applications created".format(**made)
    )


def _applications(users: dict[str, Any], clerks: dict[str, Any], datasets: dict[str, Any]) -> int:
    """李娜's approved application for the 12345 work orders; 王芳's pending one for the
    taxi operations."""
    made = 0
    wanted = [
        (
            "lina",
            "wuhan-hotline-orders",
            "研究武汉市12345热线诉求的时空分布,用于硕士学位论文。",
            True,
        ),
        ("wangfang", "wuhan-taxi-operations", "分析巡游出租车运营效率,为出行规划提供参考。", False),
    ]
    for username, name, purpose, approve in wanted:
        dataset = datasets.get(name)
        user = users[username]
        if (
            dataset is None
            or AccessApplication.objects.filter(dataset=dataset, applicant=user).exists()
        ):
            continue
        application = participation.apply_for_access(actor=user, dataset=dataset, purpose=purpose)
        made += 1
        if approve:
            participation.decide_access(
                actor=clerks[dataset.publisher.department.code],
                application=application,
                approve=True,
                reason="用途明确,同意使用,请遵守开放条件。",
                valid_days=365,
            )
    return made
