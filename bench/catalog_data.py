"""A generated service catalogue for benchmarks: real service names × the regions of 湖北省 ×
their departments, published and indexed for search exactly as publication indexes them.

The rows are bulk-created (the services would take an hour for 20,000 implementations with
their audit trail); the search index is then filled by ``services.index_implementation``,
the function publication calls, so it holds what the portal would search.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from yiwang.catalog import services
from yiwang.catalog.models import (
    HandlingKind,
    ImplementationVersion,
    ItemImplementation,
    ItemType,
    Material,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceItem,
    ServiceObject,
    VersionStatus,
)
from yiwang.kernel import search
from yiwang.kernel import services as kernel
from yiwang.kernel.demo import REGIONS_CSV
from yiwang.kernel.models import Department, Region, RegionLevel


@dataclass(frozen=True)
class Kind:
    """A kind of department found in every region, and the items it keeps."""

    abbr: str
    name: str  # after the region's name: 武昌区 + 市场监督管理局
    theme: str
    items: tuple[str, ...]


KINDS = (
    Kind(
        "SCJG",
        "市场监督管理局",
        "establishment",
        (
            "个体工商户设立登记",
            "个体工商户变更登记",
            "个体工商户注销登记",
            "有限责任公司设立登记",
            "有限责任公司变更登记",
            "有限责任公司注销登记",
            "营业执照遗失补领",
            "营业执照换发",
            "食品经营许可证核发",
            "食品经营许可证变更",
            "食品经营许可证延续",
            "食品生产许可证核发",
            "小餐饮经营许可",
            "特种设备使用登记",
            "工业产品生产许可证核发",
            "药品零售企业经营许可",
            "医疗器械经营备案",
            "股权出质设立登记",
            "动产抵押登记",
            "农民专业合作社设立登记",
            "广告发布登记",
            "计量器具型式批准",
            "企业名称自主申报",
            "分公司设立登记",
            "外商投资企业设立登记",
            "检验检测机构资质认定",
        ),
    ),
    Kind(
        "GA",
        "公安局",
        "household",
        (
            "居民身份证申领",
            "居民身份证换领",
            "居民身份证补领",
            "临时居民身份证申领",
            "出生登记",
            "死亡注销户口",
            "户口迁移",
            "居住证申领",
            "机动车注册登记",
            "机动车驾驶证换证",
            "机动车驾驶证补证",
            "机动车检验合格标志核发",
            "普通护照签发",
            "往来港澳通行证签发",
            "无犯罪记录证明开具",
            "烟花爆竹燃放许可",
            "大型群众性活动安全许可",
            "旅馆业特种行业许可证核发",
            "机动车转移登记",
            "机动车抵押登记",
            "非机动车登记",
            "保安员证核发",
            "户口登记项目变更更正",
        ),
    ),
    Kind(
        "MZ",
        "民政局",
        "marriage",
        (
            "内地居民结婚登记",
            "内地居民离婚登记",
            "补领结婚证",
            "社会团体成立登记",
            "民办非企业单位成立登记",
            "最低生活保障审批",
            "特困人员救助供养审批",
            "临时救助申请",
            "高龄津贴发放",
            "残疾人两项补贴申领",
            "养老机构备案",
            "收养登记",
            "地名命名更名审批",
            "婚姻登记档案查询",
            "慈善组织认定",
            "困难残疾人生活补贴申领",
            "孤儿基本生活费发放",
            "殡葬补助金申领",
        ),
    ),
    Kind(
        "RS",
        "人力资源和社会保障局",
        "employment",
        (
            "职工参保登记",
            "城乡居民养老保险参保登记",
            "失业保险金申领",
            "就业创业证申领",
            "社会保障卡申领",
            "社会保障卡补换",
            "养老保险关系转移",
            "职业技能等级认定",
            "创业担保贷款申请",
            "工伤认定",
            "劳动能力鉴定",
            "退休审批",
            "灵活就业人员参保登记",
            "技能提升补贴申领",
            "人力资源服务许可",
            "失业登记",
            "企业职工基本养老保险待遇申领",
            "高校毕业生就业报到",
            "人事档案查询",
            "稳岗返还申领",
        ),
    ),
    Kind(
        "WJ",
        "卫生健康委员会",
        "health",
        (
            "出生医学证明办理",
            "医师执业注册",
            "护士执业注册",
            "医疗机构执业登记",
            "医疗机构设置审批",
            "公共场所卫生许可",
            "生育登记",
            "母婴保健技术服务执业许可",
            "放射诊疗许可",
            "计划生育家庭特别扶助",
            "饮用水供水单位卫生许可",
            "预防接种证办理",
            "职业病诊断",
            "健康证明办理",
            "婚前医学检查",
            "诊所备案",
        ),
    ),
    Kind(
        "ZJ",
        "住房和城乡建设局",
        "construction",
        (
            "建筑工程施工许可证核发",
            "商品房预售许可",
            "建筑业企业资质核准",
            "房屋建筑工程竣工验收备案",
            "公共租赁住房申请",
            "住房公积金提取",
            "住房公积金贷款",
            "物业服务企业备案",
            "城镇污水排入排水管网许可",
            "燃气经营许可",
            "房屋租赁登记备案",
            "存量房买卖合同网签备案",
            "建设工程消防验收",
            "房屋交易资金监管",
            "建筑施工企业安全生产许可",
            "城市建筑垃圾处置核准",
            "园林绿化工程竣工备案",
            "住房公积金缴存登记",
        ),
    ),
    Kind(
        "ZR",
        "自然资源和规划局",
        "property",
        (
            "不动产首次登记",
            "不动产转移登记",
            "不动产抵押登记",
            "不动产变更登记",
            "不动产注销登记",
            "不动产登记资料查询",
            "建设用地规划许可证核发",
            "建设工程规划许可证核发",
            "乡村建设规划许可",
            "采矿权登记",
            "测绘资质审批",
            "农村宅基地审批",
            "不动产更正登记",
            "不动产预告登记",
            "土地复垦方案审查",
            "地质灾害危险性评估备案",
        ),
    ),
    Kind(
        "JT",
        "交通运输局",
        "transport",
        (
            "道路运输经营许可",
            "道路运输证配发",
            "出租汽车驾驶员从业资格证核发",
            "网络预约出租汽车经营许可",
            "公路超限运输许可",
            "涉路施工许可",
            "机动车维修经营备案",
            "港口经营许可",
            "船舶营业运输证核发",
            "道路货物运输驾驶员从业资格证核发",
            "公交线路经营许可",
            "驾驶员培训机构备案",
        ),
    ),
    Kind(
        "JY",
        "教育局",
        "education",
        (
            "民办学校设立审批",
            "教师资格认定",
            "义务教育入学登记",
            "学生资助申请",
            "校外培训机构审批",
            "幼儿园办园许可",
            "中小学转学",
            "普通高中学籍变动",
            "学历证明办理",
            "学位证书补办",
            "中等职业学校招生资格审批",
        ),
    ),
    Kind(
        "SW",
        "税务局",
        "tax",
        (
            "增值税发票领用",
            "个人所得税综合所得汇算清缴",
            "税务登记",
            "纳税证明开具",
            "车辆购置税申报",
            "契税申报",
            "房产税申报",
            "出口退税备案",
            "发票代开",
            "跨区域涉税事项报告",
            "税收完税证明开具",
            "个体工商户定期定额核定",
            "环境保护税申报",
            "社会保险费缴纳",
        ),
    ),
    Kind(
        "YB",
        "医疗保障局",
        "social_security",
        (
            "城乡居民医疗保险参保登记",
            "异地就医备案",
            "医疗费用手工报销",
            "门诊慢特病待遇认定",
            "医保关系转移接续",
            "生育医疗费用报销",
            "定点医药机构申请",
            "医疗救助申请",
            "长期护理保险待遇申请",
            "医保电子凭证激活",
        ),
    ),
    Kind(
        "WL",
        "文化和旅游局",
        "operation",
        (
            "旅行社设立许可",
            "娱乐场所经营许可",
            "互联网上网服务营业场所经营许可",
            "营业性演出许可",
            "文物保护单位修缮审批",
            "导游证核发",
            "艺术品经营单位备案",
            "文艺表演团体设立审批",
        ),
    ),
    Kind(
        "HB",
        "生态环境局",
        "operation",
        (
            "排污许可证核发",
            "建设项目环境影响报告书审批",
            "危险废物经营许可证核发",
            "辐射安全许可证核发",
            "建设项目环境影响登记表备案",
            "排污登记",
            "固体废物跨省转移审批",
        ),
    ),
    Kind(
        "TY",
        "退役军人事务局",
        "social_security",
        (
            "退役士兵安置",
            "优待证申领",
            "伤残抚恤关系接收",
            "烈士褒扬金发放",
            "退役军人创业扶持",
            "军人随军家属就业安置",
            "光荣牌悬挂",
        ),
    ),
)

_ENTERPRISE_WORDS = (
    "企业",
    "公司",
    "经营",
    "资质",
    "单位",
    "机构",
    "合作社",
    "生产",
    "施工",
    "运输",
    "排污",
    "发票",
    "出口",
    "学校",
    "场所",
    "旅行社",
    "预售",
    "演出",
    "港口",
    "危险废物",
)

#: Materials most items ask for, and some only a few do.
_COMMON_MATERIALS = ("申请书", "申请人身份证明")
_OTHER_MATERIALS = (
    "营业执照",
    "经营场所使用证明",
    "户口簿",
    "结婚证",
    "授权委托书",
    "不动产权证书",
    "出生医学证明",
    "劳动合同",
    "法定代表人身份证明",
    "建设工程规划许可证",
    "健康证明",
    "房屋租赁合同",
    "环境影响评价文件",
    "机动车行驶证",
)


def item_type(name: str) -> str:
    if any(w in name for w in ("许可", "审批", "核发", "资质", "核准")):
        return ItemType.LICENSING
    if any(w in name for w in ("补贴", "津贴", "救助", "报销", "发放", "提取", "抚恤", "扶持")):
        return ItemType.PAYMENT
    if any(w in name for w in ("申报", "汇算")):
        return ItemType.LEVY
    if any(w in name for w in ("登记", "备案", "认定", "注册")):
        return ItemType.CONFIRMATION
    return ItemType.PUBLIC_SERVICE


def service_objects(name: str) -> list[str]:
    if any(w in name for w in _ENTERPRISE_WORDS):
        return [ServiceObject.ENTERPRISE]
    return [ServiceObject.CITIZEN]


@dataclass(frozen=True)
class Catalogue:
    implementations: int
    items: int
    departments: int
    regions: int
    seconds_rows: float
    seconds_index: float


def _hosts() -> list[Region]:
    """The regions with departments of their own: the province, its cities and counties."""
    levels = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    return [
        r
        for r in Region.objects.filter(level__in=levels).order_by("code")
        if not r.name.startswith("省直辖")  # a statistical grouping, no government of its own
    ]


def generate(
    count: int = 20_000, *, seed: int = 4, progress: Callable[[str], None] = print
) -> Catalogue:
    """Create ``count`` published implementations, indexed for search; return what was made."""
    started = time.perf_counter()
    rng = random.Random(seed)
    kernel.import_regions(REGIONS_CSV.read_bytes(), actor="bench")
    hosts = _hosts()
    Department.objects.bulk_create(
        Department(code=f"{region.code}-{kind.abbr}", name=region.name + kind.name, region=region)
        for region in hosts
        for kind in KINDS
    )
    department = {(d.region_id, d.code.split("-")[1]): d for d in Department.objects.all()}
    province = hosts[0]

    items: list[tuple[ServiceItem, Kind]] = []
    for k, kind in enumerate(KINDS, start=1):
        for n, name in enumerate(kind.items, start=1):
            levels = ["province", "city", "county"] if n % 8 else ["province", "city"]
            limit = rng.choice([None, 5, 10, 15, 20, 30])
            items.append(
                (
                    ServiceItem(
                        code=f"{k:06d}{n:03d}000",
                        name=name,
                        item_type=item_type(name),
                        department=department[(province.code, kind.abbr)],
                        legal_basis=f"《{kind.name[:-1]}管理条例》第{rng.randint(3, 40)}条",
                        handling_levels=levels,
                        service_objects=service_objects(name),
                        themes=[kind.theme],
                        acceptance_conditions=f"申请人符合{name}的法定条件,申请材料齐全、"
                        "符合法定形式。",
                        process_description="申请、受理、审查、决定、送达。",
                        statutory_limit_days=limit,
                        result_type=ResultType.LICENCE
                        if item_type(name) == ItemType.LICENSING
                        else ResultType.CERTIFICATE,
                        result_name=name.removesuffix("核发").removesuffix("申领") + "决定书",
                        channels=["online", "hall", "mobile"],
                        max_trips=rng.choice([0, 1]),
                    ),
                    kind,
                )
            )
    ServiceItem.objects.bulk_create(item for item, _kind in items)
    saved = {item.code: item for item in ServiceItem.objects.all()}

    level_of = {r.code: r.level for r in hosts}
    region_names = {r.code: r.name for r in hosts}
    pairs = [
        (saved[item.code], department[(region.code, kind.abbr)])
        for item, kind in items
        for region in hosts
        if level_of[region.code] in item.handling_levels
    ]
    if len(pairs) < count:
        raise ValueError(f"the vocabulary makes only {len(pairs)} implementations, not {count}")
    pairs = sorted(rng.sample(pairs, count), key=lambda p: (p[0].code, p[1].code))
    progress(
        f"catalog_data: {len(saved)} items, {len(department)} departments, {len(hosts)} regions"
    )

    now = timezone.now()
    with transaction.atomic():
        implementations = ItemImplementation.objects.bulk_create(
            (
                ItemImplementation(
                    code=services.implementation_code(item, dept),
                    item=item,
                    department=dept,
                    region_id=dept.region_id,
                )
                for item, dept in pairs
            ),
            batch_size=2000,
        )
        versions = ImplementationVersion.objects.bulk_create(
            (
                _version(implementation, item, region_names[dept.region_id], rng, now)
                for implementation, (item, dept) in zip(implementations, pairs, strict=True)
            ),
            batch_size=2000,
        )
        ItemImplementation.objects.update(
            current=Subquery(
                ImplementationVersion.objects.filter(implementation=OuterRef("pk")).values("pk")[:1]
            )
        )
        Material.objects.bulk_create(
            (material for version in versions for material in _materials(version, rng)),
            batch_size=5000,
        )
    rows_done = time.perf_counter()
    progress(f"catalog_data: {count} implementations written in {rows_done - started:.1f} s")

    indexed = 0
    queryset = (
        ItemImplementation.objects.select_related("current", "item", "department")
        .prefetch_related("current__materials")
        .order_by("pk")
    )
    batch = 500
    with _analysis_memoised():
        for start in range(0, count, batch):
            with transaction.atomic():
                for implementation in queryset[start : start + batch]:
                    services.index_implementation(implementation)
                    indexed += 1
            elapsed = time.perf_counter() - rows_done
            if indexed % 2000 == 0 or indexed == count:
                rate = indexed / elapsed
                progress(
                    f"catalog_data: indexed {indexed}/{count} ({rate:.0f}/s, "
                    f"{(count - indexed) / rate:.0f} s to go)"
                )
    finished = time.perf_counter()
    return Catalogue(
        implementations=count,
        items=len(saved),
        departments=len(department),
        regions=len(hosts),
        seconds_rows=rows_done - started,
        seconds_index=finished - rows_done,
    )


@contextmanager
def _analysis_memoised() -> Iterator[None]:
    """Remember the analysis of texts already seen. Generated titles, department names and
    materials repeat a lot, and jieba and pypinyin are pure functions: the index gets the
    same terms, in a fraction of the time. (Only here: the platform analyses each text once.)"""
    words, pinyin = search.words, search.pinyin_terms
    cached_words = functools.lru_cache(maxsize=20_000)(
        lambda text, for_search: words(text, for_search=for_search)
    )
    cached_pinyin = functools.lru_cache(maxsize=20_000)(pinyin)

    def memo_words(text: str, *, for_search: bool = True) -> list[str]:
        return list(cached_words(text, for_search))

    def memo_pinyin(word: str) -> list[str]:
        return list(cached_pinyin(word))

    search.words, search.pinyin_terms = memo_words, memo_pinyin
    try:
        yield
    finally:
        search.words, search.pinyin_terms = words, pinyin


def _version(
    implementation: ItemImplementation,
    item: ServiceItem,
    region_name: str,
    rng: random.Random,
    now: datetime,
) -> ImplementationVersion:
    statutory = item.statutory_limit_days
    promised = max(1, statutory // rng.choice([1, 2, 3])) if statutory else None
    return ImplementationVersion(
        implementation=implementation,
        number=1,
        status=VersionStatus.PUBLISHED,
        name=item.name,
        item_code=item.code,
        item_type=item.item_type,
        legal_basis=item.legal_basis,
        handling_kind=HandlingKind.PROMISED if statutory else HandlingKind.INSTANT,
        statutory_limit_days=statutory,
        promised_limit_days=promised,
        acceptance_conditions=item.acceptance_conditions,
        service_objects=item.service_objects,
        channels=item.channels,
        max_trips=item.max_trips,
        fees=[],
        result_type=item.result_type,
        result_name=item.result_name,
        hall_address=f"{region_name}政务服务中心{rng.randint(1, 4)}楼{rng.randint(1, 40)}号窗口",
        office_hours="工作日 9:00-12:00, 13:30-17:00",
        phone=f"027-{rng.randint(10_000_000, 99_999_999)}",
        complaint_phone="12345",
        reviewed_at=now,
        published_at=now,
        review_comment="同意发布",
    )


def _materials(version: ImplementationVersion, rng: random.Random) -> list[Material]:
    names = [*_COMMON_MATERIALS, *rng.sample(_OTHER_MATERIALS, rng.randint(1, 3))]
    return [
        Material(
            version=version,
            position=i,
            code=f"M{i + 1:02d}",
            name=name,
            form=MaterialForm.COPY if i else MaterialForm.ORIGINAL,
            source=MaterialSource.LICENCE if name == "营业执照" else MaterialSource.UPLOAD,
            license_type="business_licence" if name == "营业执照" else "",
        )
        for i, name in enumerate(names)
    ]
