"""The open-data demo's catalogue: the places it covers, the tables it generates and the datasets
it publishes (loaded by :mod:`yiwang.opendata.demo`).

A *table* is a list of columns, each a header and a function of one generated :class:`Row`
(a seeded random source, the row's number and a site in the place: district, address and
coordinates inside Hubei). A *spec* is a kind of dataset real Chinese portals publish
(公交线路与站点, 空气质量监测日报, 医疗机构名录 ...); it is published for one or more places, by
the demo department that would publish it there. Everything is deterministic: the same names,
rows and numbers on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The day the generated data runs up to (fixed, so the demo is the same every day).
AS_OF = dt.date(2025, 6, 30)

#: Hubei's bounding box (lng, lat): every generated coordinate lies inside it.
HUBEI_BOX = (108.36, 29.03, 116.13, 33.27)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    slug: str
    #: (district or city, centre lng, centre lat) the sites of this place fall in.
    areas: tuple[tuple[str, float, float], ...]
    roads: tuple[str, ...]
    area_code: str
    spread: float = 0.06


_WUHAN_ROADS = (
    "中山大道",
    "解放大道",
    "建设大道",
    "京汉大道",
    "沿江大道",
    "武珞路",
    "中北路",
    "珞喻路",
    "友谊大道",
    "和平大道",
    "雄楚大道",
    "民族大道",
    "光谷大道",
    "关山大道",
    "汉阳大道",
    "鹦鹉大道",
    "发展大道",
    "青年路",
    "江汉路",
    "徐东大街",
    "金银湖路",
    "文化大道",
)
_WUCHANG_ROADS = (
    "武珞路",
    "中北路",
    "中山路",
    "和平大道",
    "徐东大街",
    "临江大道",
    "友谊大道",
    "公正路",
    "首义路",
    "中南路",
    "八一路",
    "东湖路",
    "解放路",
    "粮道街",
    "积玉桥街",
    "水果湖横路",
)
_YICHANG_ROADS = (
    "东山大道",
    "夷陵大道",
    "沿江大道",
    "解放路",
    "云集路",
    "胜利四路",
    "西陵一路",
    "发展大道",
    "城东大道",
    "港窑路",
    "珍珠路",
    "大公桥路",
    "东艳路",
    "伍临路",
)
_XIANGYANG_ROADS = (
    "长虹路",
    "人民路",
    "春园路",
    "长征路",
    "檀溪路",
    "襄阳大道",
    "航空路",
    "中原路",
    "建设路",
    "前进路",
    "大庆路",
    "七里河路",
    "邓城大道",
    "卧龙大道",
)
_PROVINCE_ROADS = ("人民路", "解放路", "建设路", "沿江大道", "发展大道", "新华路", "东风路")

PLACES: dict[str, Place] = {
    "42": Place(
        "42",
        "湖北省",
        "hubei",
        (
            ("武汉市", 114.305, 30.593),
            ("黄石市", 115.039, 30.200),
            ("十堰市", 110.798, 32.629),
            ("宜昌市", 111.286, 30.692),
            ("襄阳市", 112.122, 32.009),
            ("鄂州市", 114.895, 30.391),
            ("荆门市", 112.199, 31.035),
            ("孝感市", 113.917, 30.925),
            ("荆州市", 112.240, 30.335),
            ("黄冈市", 114.872, 30.453),
            ("咸宁市", 114.322, 29.841),
            ("随州市", 113.383, 31.690),
            ("恩施土家族苗族自治州", 109.488, 30.272),
        ),
        _PROVINCE_ROADS,
        "027",
        0.05,
    ),
    "4201": Place(
        "4201",
        "武汉市",
        "wuhan",
        (
            ("江岸区", 114.309, 30.600),
            ("江汉区", 114.270, 30.601),
            ("硚口区", 114.215, 30.582),
            ("汉阳区", 114.219, 30.555),
            ("武昌区", 114.316, 30.554),
            ("青山区", 114.385, 30.640),
            ("洪山区", 114.344, 30.500),
            ("东西湖区", 114.137, 30.620),
            ("江夏区", 114.321, 30.376),
            ("黄陂区", 114.375, 30.882),
            ("蔡甸区", 114.029, 30.583),
            ("新洲区", 114.801, 30.842),
        ),
        _WUHAN_ROADS,
        "027",
        0.03,
    ),
    "420106": Place(
        "420106",
        "武昌区",
        "wuchang",
        (
            ("积玉桥街道", 114.306, 30.566),
            ("杨园街道", 114.333, 30.583),
            ("徐家棚街道", 114.336, 30.596),
            ("粮道街道", 114.306, 30.549),
            ("中华路街道", 114.299, 30.553),
            ("黄鹤楼街道", 114.303, 30.542),
            ("紫阳街道", 114.311, 30.534),
            ("白沙洲街道", 114.300, 30.507),
            ("首义路街道", 114.313, 30.542),
            ("中南路街道", 114.335, 30.538),
            ("水果湖街道", 114.355, 30.554),
            ("珞珈山街道", 114.364, 30.539),
            ("南湖街道", 114.333, 30.505),
        ),
        _WUCHANG_ROADS,
        "027",
        0.008,
    ),
    "4205": Place(
        "4205",
        "宜昌市",
        "yichang",
        (
            ("西陵区", 111.286, 30.710),
            ("伍家岗区", 111.361, 30.645),
            ("点军区", 111.268, 30.693),
            ("猇亭区", 111.434, 30.530),
            ("夷陵区", 111.326, 30.771),
            ("宜都市", 111.450, 30.378),
            ("当阳市", 111.788, 30.821),
            ("枝江市", 111.760, 30.425),
        ),
        _YICHANG_ROADS,
        "0717",
        0.02,
    ),
    "4206": Place(
        "4206",
        "襄阳市",
        "xiangyang",
        (
            ("襄城区", 112.134, 32.010),
            ("樊城区", 112.135, 32.045),
            ("襄州区", 112.211, 32.087),
            ("老河口市", 111.676, 32.359),
            ("枣阳市", 112.771, 32.129),
            ("宜城市", 112.258, 31.720),
            ("谷城县", 111.653, 32.264),
            ("南漳县", 111.839, 31.774),
        ),
        _XIANGYANG_ROADS,
        "0710",
        0.02,
    ),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "文",
    "华",
    "红",
    "国庆",
    "海燕",
    "晓东",
    "建国",
    "玉兰",
    "春梅",
    "俊",
    "斌",
    "浩",
    "婷",
    "雪",
    "鹏",
    "辉",
    "丹",
    "琳",
    "飞",
    "波",
    "宇",
    "欣",
    "佳",
    "慧",
    "晨",
    "思远",
    "子涵",
]
BRANDS = [
    "楚天",
    "江城",
    "长江",
    "汉江",
    "荆楚",
    "东湖",
    "光谷",
    "黄鹤",
    "晴川",
    "金桥",
    "恒达",
    "鑫源",
    "华中",
    "九州",
    "联创",
    "博雅",
    "远大",
    "顺达",
    "宏图",
    "中诚",
    "三镇",
    "汉正",
    "众邦",
    "瑞丰",
    "佳禾",
    "兴业",
    "同心",
    "天元",
    "创新",
    "明德",
    "和美",
    "祥瑞",
    "盛世",
    "新华",
    "德馨",
    "鸿运",
]
INDUSTRIES = [
    "科技",
    "商贸",
    "餐饮管理",
    "建筑工程",
    "物流",
    "医药",
    "信息技术",
    "文化传媒",
    "物业服务",
    "电子",
    "环保科技",
    "食品",
    "农业发展",
    "汽车服务",
    "教育咨询",
    "建材",
    "机械设备",
    "网络科技",
    "供应链管理",
    "生物科技",
    "新能源",
    "家政服务",
]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_REGION = {"42": "420100", "4201": "420100", "420106": "420106"}
_LNG = (HUBEI_BOX[0], HUBEI_BOX[2])
_LAT = (HUBEI_BOX[1], HUBEI_BOX[3])


class Row:
    """One generated row: its number, the place's site it describes and helpers for values."""

    def __init__(self, rng: random.Random, i: int, place: Place) -> None:
        self.rng = rng
        self.random = rng.random
        self.i = i
        self.place = place
        area, lng, lat = self.pick(place.areas)
        self.district: str = area
        self.short = _SHORT.get(area) or _short(area)
        self.road: str = self.pick(place.roads)
        self.number = self.integer(1, 699)
        spread = place.spread * 3
        self.lng = _clamp(round(lng + (self.random() - 0.5) * spread, 6), *_LNG)
        self.lat = _clamp(round(lat + (self.random() - 0.5) * spread, 6), *_LAT)

    @property
    def street(self) -> str:
        """The road's name without 路 or 大道 (for names like 中北小学)."""
        return self.road.removesuffix("路").removesuffix("大道")

    @property
    def city(self) -> str:
        return "武汉市" if self.place.code == "420106" else self.place.name

    @property
    def address(self) -> str:
        if self.place.code == "42":
            return f"湖北省{self.district}{self.road}{self.number}号"
        if self.place.code == "420106":
            return f"武汉市武昌区{self.road}{self.number}号"
        return f"{self.place.name}{self.district}{self.road}{self.number}号"

    # random.choice and randint are exact but slow; the demo needs speed, not exactness.
    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.random() * len(options))]

    def any(self, words: str) -> str:
        """One of the space-separated ``words``."""
        options = _WORDS.get(words)
        if options is None:
            options = _WORDS[words] = tuple(words.split())
        return str(self.pick(options))

    def integer(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def num(self, low: float, high: float, digits: int = 2) -> float:
        return round(low + (high - low) * self.random(), digits)

    def date(self, days: int = 3650, *, before: dt.date = AS_OF) -> str:
        return (before - dt.timedelta(days=self.integer(0, days))).isoformat()

    def day(self, step: int, every: int = 1) -> str:
        """The date ``step`` periods of ``every`` days before :data:`AS_OF`."""
        return (AS_OF - dt.timedelta(days=step * every)).isoformat()

    def phone(self) -> str:
        digits = 8 if self.place.area_code == "027" else 7
        first = self.pick("5678")
        rest = str(self.integer(10 ** (digits - 2), 10 ** (digits - 1) - 1))
        return f"{self.place.area_code}-{first}{rest}"

    def person(self) -> str:
        return str(self.pick(SURNAMES)) + str(self.pick(GIVEN))

    def company(self, industry: str = "") -> str:
        city = self.place.name if self.place.code != "420106" else "武汉市"
        if self.place.code == "42":
            city = self.district
        kind = industry or str(self.pick(INDUSTRIES))
        return f"{city.removesuffix('市')}{self.pick(BRANDS)}{kind}有限公司"

    def uscc(self, kind: str = "91") -> str:
        """A unified social credit code with a valid check character (GB 32100-2015)."""
        region = _USCC_REGION.get(self.place.code, f"{self.place.code}00")
        bits = self.rng.getrandbits(45)
        body = kind + region + "".join(USCC_CHARS[(bits >> (5 * k)) % 31] for k in range(9))
        total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
        return body + USCC_CHARS[(31 - total % 31) % 31]

    def code(self, prefix: str, width: int = 6) -> str:
        return f"{prefix}{self.i + 1:0{width}d}"


_SHORT: dict[str, str] = {}
_WORDS: dict[str, tuple[str, ...]] = {}


def _short(area: str) -> str:
    """武昌区 → 武昌, 积玉桥街道 → 积玉桥 (the name used inside other names)."""
    _SHORT[area] = area.removesuffix("街道").rstrip("区县市") or area
    return _SHORT[area]


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


_PROCUREMENTS = (
    "信息化系统运维服务 办公设备采购 物业管理服务"
    " 道路修缮工程 校园安保服务 医疗设备采购 绿化养护服务"
)

_BUYERS = "教育局 卫生健康委员会 城市管理执法委员会 交通运输局 政务服务和大数据管理局"

_PROJECTS = (
    "智能制造产业园 新能源汽车零部件 生物医药产业基地 冷链物流中心 数据中心 城市更新 综合交通枢纽"
)

_AGENCIES = (
    "市场监督管理局 人力资源和社会保障局 公安局 住房和城乡建设局 卫生健康委员会 城市管理执法委员会"
)

_SOCIETIES = (
    "青年志愿者协会 慈善会 书法家协会 社区服务中心 律师协会 养老服务协会 围棋协会 餐饮行业协会"
)

_INSTITUTIONS = (
    "城市规划设计研究院 疾病预防控制中心 档案馆"
    " 公共资源交易中心 不动产登记中心 政务服务中心 农业技术推广中心"
)

Column = tuple[str, Callable[[Row], Any]]


def _site(r: Row) -> str:
    return r.address


def _lng(r: Row) -> float:
    return r.lng


def _lat(r: Row) -> float:
    return r.lat


def _dist(r: Row) -> str:
    return r.district


ADDRESS: list[Column] = [("所在区域", _dist), ("地址", _site)]
COORDS: list[Column] = [("经度", _lng), ("纬度", _lat)]


def _aqi_row(stations: Callable[[Row], Sequence[str]]) -> list[Column]:
    def station(r: Row) -> str:
        names = stations(r)
        return str(names[r.i % len(names)])

    def day(r: Row) -> str:
        return r.day(r.i // len(stations(r)))

    def pm25(r: Row) -> int:
        # Winter is worse than summer in the Jianghan plain.
        month = int(day(r)[5:7])
        base = 60 if month in (12, 1, 2) else 30 if month in (6, 7, 8) else 42
        return max(5, int(base * (0.4 + 1.2 * r.random())))

    def aqi(r: Row) -> int:
        return max(15, int(pm25(r) * 1.35 + r.integer(0, 20)))

    return [
        ("监测日期", day),
        ("监测点位", station),
        ("AQI", aqi),
        ("首要污染物", lambda r: r.pick(("PM2.5", "PM2.5", "PM10", "O3", "—"))),
        ("PM2.5(μg/m3)", pm25),
        ("PM10(μg/m3)", lambda r: r.integer(20, 160)),
        ("SO2(μg/m3)", lambda r: r.integer(3, 15)),
        ("NO2(μg/m3)", lambda r: r.integer(10, 70)),
        ("CO(mg/m3)", lambda r: r.num(0.3, 1.6, 1)),
        ("O3_8h(μg/m3)", lambda r: r.integer(30, 210)),
        ("空气质量级别", lambda r: r.pick(("优", "良", "良", "轻度污染"))),
    ]


_STATIONS = {
    "4201": (
        "东湖梨园",
        "汉口花桥",
        "武昌紫阳",
        "青山钢花",
        "汉阳月湖",
        "汉口江滩",
        "沌口新区",
        "东湖高新",
        "吴家山",
        "沉湖七壕",
    ),
    "4205": ("伍家岗", "夷陵区", "点军区", "西陵区", "猇亭区"),
    "4206": ("襄城区", "樊城区", "襄州区", "高新区", "鱼梁洲"),
}


def _stations(r: Row) -> Sequence[str]:
    if r.place.code == "42":
        return [a[0] for a in r.place.areas]
    return _STATIONS.get(r.place.code, ("武昌紫阳",))


def _named(suffixes: Sequence[str], middle: Sequence[str] = ()) -> Callable[[Row], str]:
    def name(r: Row) -> str:
        mid = r.pick(middle) if middle else ""
        return f"{r.short}{mid}{r.pick(suffixes)}"

    return name


def _numbered(template: str) -> Callable[[Row], str]:
    return lambda r: template.format(n=r.i + 1, d=r.short, road=r.road)


_PERIODS = [f"{y}年{m}月" for y in (2023, 2024, 2025) for m in range(1, 13)][:30]
_QUARTERS = [f"{y}年第{q}季度" for y in range(2016, 2026) for q in range(1, 5)][:38]


def _period(r: Row) -> str:
    return _PERIODS[r.i % len(_PERIODS)]


def _area_of_period(r: Row) -> str:
    areas = r.place.areas
    return areas[(r.i // len(_PERIODS)) % len(areas)][0]


TABLES: dict[str, list[Column]] = {
    # --- transport ---------------------------------------------------------------------------
    "bus_lines": [
        ("线路编号", lambda r: f"{r.i + 1}"),
        ("线路名称", lambda r: f"{r.i + 1}路"),
        ("起点站", lambda r: f"{r.road}{r.any('公交场站 站 总站')}"),
        ("终点站", lambda r: f"{r.pick(r.place.roads)}{r.any('公交场站 站 总站')}"),
        ("首班时间", lambda r: f"0{r.integer(5, 6)}:{r.any('00 15 30 45')}"),
        ("末班时间", lambda r: f"{r.integer(20, 23)}:{r.any('00 30')}"),
        ("票价(元)", lambda r: r.pick((1, 1, 2, 2, 3))),
        ("线路长度(公里)", lambda r: r.num(6, 38, 1)),
        ("站点数", lambda r: r.integer(12, 48)),
        ("所属区域", _dist),
        ("运营单位", lambda r: f"{r.place.name}公共交通集团有限责任公司"),
    ],
    "bus_stops": [
        ("站点编号", lambda r: r.code("ZD", 5)),
        ("站点名称", lambda r: f"{r.road}{r.pick(('', '中', '东', '西', '口'))}站"),
        ("途经线路", lambda r: "、".join(f"{r.integer(1, 800)}路" for _ in range(r.integer(1, 5)))),
        ("上下行", lambda r: r.pick(("上行", "下行"))),
        ("所在区域", _dist),
        *COORDS,
    ],
    "parking": [
        (
            "停车场名称",
            _named(
                ("停车场", "地下停车场", "立体停车库", "路内停车泊位"),
                ("广场", "医院", "公园", "商业街", "小区"),
            ),
        ),
        *ADDRESS,
        ("停车场类型", lambda r: r.pick(("公共停车场", "配建停车场", "道路停车泊位"))),
        ("泊位数", lambda r: r.integer(30, 1200)),
        ("充电泊位数", lambda r: r.integer(0, 60)),
        (
            "收费标准",
            lambda r: f"首小时{r.pick((3, 4, 5, 6, 8))}元,之后每小时{r.pick((2, 3, 4))}元",
        ),
        ("开放时间", lambda r: r.pick(("00:00-24:00", "07:00-22:00", "06:30-23:00"))),
        ("管理单位", lambda r: r.company("停车管理")),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "charging": [
        (
            "充电站名称",
            _named(("充电站", "超级充电站", "公交充电站"), ("国网", "特来电", "星星充电", "城投")),
        ),
        *ADDRESS,
        (
            "运营商",
            lambda r: r.pick(
                (
                    "国网湖北省电力有限公司",
                    "特来电新能源股份有限公司",
                    "星星充电",
                    "武汉城投能源",
                    "南方电网电动汽车服务",
                )
            ),
        ),
        ("快充桩数", lambda r: r.integer(0, 40)),
        ("慢充桩数", lambda r: r.integer(0, 30)),
        ("充电价格(元/千瓦时)", lambda r: r.num(0.9, 1.8)),
        ("服务费(元/千瓦时)", lambda r: r.num(0.4, 0.8)),
        ("开放时间", lambda r: r.pick(("24小时", "07:00-23:00"))),
        *COORDS,
    ],
    "bikes": [
        ("站点编号", lambda r: r.code("BK", 5)),
        ("站点名称", lambda r: f"{r.road}{r.any('地铁站 公交站 广场 小区')}"),
        ("所在区域", _dist),
        ("锁桩数", lambda r: r.integer(10, 40)),
        ("投放车辆数", lambda r: r.integer(5, 35)),
        *COORDS,
    ],
    "driving_schools": [
        ("驾校名称", lambda r: r.company("机动车驾驶员培训")),
        ("统一社会信用代码", lambda r: r.uscc()),
        *ADDRESS,
        ("培训车型", lambda r: r.pick(("C1、C2", "A1、A2、B2、C1", "C1、C2、D"))),
        ("教练车数量", lambda r: r.integer(20, 300)),
        ("质量信誉等级", lambda r: r.pick(("AAA", "AA", "A"))),
        ("联系电话", lambda r: r.phone()),
    ],
    "traffic_hotspots": [
        ("路段名称", lambda r: f"{r.road}({r.pick(r.place.roads)}至{r.pick(r.place.roads)})"),
        ("所在区域", _dist),
        (
            "违法类型",
            lambda r: r.pick(
                ("违法停车", "闯红灯", "不按导向车道行驶", "超速行驶", "违反禁止标线")
            ),
        ),
        ("统计月份", _period),
        ("违法数量(起)", lambda r: r.integer(50, 4000)),
        *COORDS,
    ],
    "traffic_accidents": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("事故起数", lambda r: r.integer(10, 160)),
        ("死亡人数", lambda r: r.integer(0, 8)),
        ("受伤人数", lambda r: r.integer(5, 180)),
        ("直接财产损失(万元)", lambda r: r.num(5, 120)),
    ],
    # --- environment -------------------------------------------------------------------------
    "air_daily": _aqi_row(_stations),
    "water_quality": [
        (
            "监测断面",
            lambda r: f"{r.any('长江 汉江 清江 东湖 梁子湖 府河 沮漳河 唐白河')}{r.short}断面",
        ),
        ("监测月份", _period),
        ("水质类别", lambda r: r.pick(("Ⅱ类", "Ⅱ类", "Ⅲ类", "Ⅲ类", "Ⅳ类"))),
        ("pH", lambda r: r.num(6.8, 8.4)),
        ("溶解氧(mg/L)", lambda r: r.num(5.0, 10.5)),
        ("高锰酸盐指数(mg/L)", lambda r: r.num(1.5, 6.0)),
        ("氨氮(mg/L)", lambda r: r.num(0.05, 1.2, 3)),
        ("总磷(mg/L)", lambda r: r.num(0.02, 0.25, 3)),
        ("是否达标", lambda r: r.pick(("是", "是", "是", "否"))),
    ],
    "noise": [
        ("监测点位", lambda r: f"{r.road}{r.any('交通 区域 功能区')}点"),
        ("所在区域", _dist),
        ("功能区类别", lambda r: r.pick(("1类", "2类", "3类", "4a类"))),
        ("监测日期", lambda r: r.date(365)),
        ("昼间等效声级(dB)", lambda r: r.num(48, 72, 1)),
        ("夜间等效声级(dB)", lambda r: r.num(40, 62, 1)),
    ],
    "polluters": [
        ("单位名称", lambda r: r.company(r.pick(("化工", "钢铁", "造纸", "水务", "热电", "制药")))),
        ("统一社会信用代码", lambda r: r.uscc()),
        *ADDRESS,
        ("排污许可证编号", lambda r: f"{r.uscc()}001{r.pick('PVQUWY')}"),
        (
            "行业类别",
            lambda r: r.pick(
                (
                    "化学原料和化学制品制造业",
                    "黑色金属冶炼",
                    "造纸和纸制品业",
                    "污水处理及其再生利用",
                    "热力生产和供应",
                )
            ),
        ),
        ("重点管理类别", lambda r: r.pick(("水环境", "大气环境", "土壤环境", "水环境、大气环境"))),
        ("有效期至", lambda r: r.date(900, before=dt.date(2029, 12, 31))),
        *COORDS,
    ],
    # --- health ------------------------------------------------------------------------------
    "hospitals": [
        (
            "机构名称",
            _named(
                (
                    "人民医院",
                    "中医医院",
                    "妇幼保健院",
                    "第一医院",
                    "中心医院",
                    "口腔医院",
                    "康复医院",
                )
            ),
        ),
        ("机构类别", lambda r: r.pick(("综合医院", "中医医院", "专科医院", "妇幼保健院"))),
        ("医院等级", lambda r: r.pick(("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级"))),
        ("经营性质", lambda r: r.pick(("非营利性", "非营利性", "营利性"))),
        *ADDRESS,
        ("床位数", lambda r: r.integer(50, 3500)),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "clinics": [
        (
            "机构名称",
            lambda r: (
                f"{r.place.name}{r.short}{r.any('社区卫生服务中心 社区卫生服务站 街道卫生院')}"
            ),
        ),
        ("机构类型", lambda r: r.pick(("社区卫生服务中心", "社区卫生服务站", "乡镇卫生院"))),
        *ADDRESS,
        ("家庭医生团队数", lambda r: r.integer(3, 30)),
        ("服务时间", lambda r: r.pick(("周一至周日 08:00-17:30", "周一至周五 08:00-17:00"))),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "vaccination": [
        (
            "接种单位名称",
            lambda r: f"{r.short}{r.any('社区卫生服务中心 妇幼保健院 人民医院')}预防接种门诊",
        ),
        *ADDRESS,
        (
            "接种类别",
            lambda r: r.pick(("儿童免疫规划疫苗", "成人疫苗", "狂犬病暴露预防处置", "儿童及成人")),
        ),
        (
            "接种时间",
            lambda r: r.pick(
                ("周二、周四 08:00-11:30", "周一至周五 08:00-16:30", "周三、周六上午")
            ),
        ),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "pharmacies": [
        (
            "企业名称",
            lambda r: (
                f"{r.place.name.removesuffix('市')}{r.pick(BRANDS)}大药房"
                f"{r.any('有限公司 连锁有限公司')}{r.road}店"
            ),
        ),
        ("许可证编号", lambda r: f"鄂{r.any('CA CB DA')}{r.integer(2701000, 2799999)}"),
        ("统一社会信用代码", lambda r: r.uscc("92") if r.rng.random() < 0.3 else r.uscc()),
        ("企业负责人", lambda r: r.person()),
        ("质量负责人", lambda r: r.person()),
        ("经营方式", lambda r: r.pick(("零售(连锁)", "零售"))),
        (
            "经营范围",
            lambda r: r.pick(
                (
                    "中成药、化学药制剂、抗生素制剂、生化药品、生物制品(除疫苗)",
                    "中药饮片、中成药、化学药制剂",
                    "处方药、甲类非处方药、乙类非处方药",
                )
            ),
        ),
        *ADDRESS,
        ("发证日期", lambda r: r.date(1800)),
        ("有效期至", lambda r: r.date(1800, before=dt.date(2030, 6, 30))),
    ],
    "insurance_points": [
        (
            "定点机构名称",
            lambda r: r.pick(
                (
                    f"{r.short}社区卫生服务中心",
                    f"{r.place.name}{r.pick(BRANDS)}大药房",
                    f"{r.short}人民医院",
                )
            ),
        ),
        ("机构编码", lambda r: f"P{r.place.code.ljust(6, '0')}{r.integer(10000, 99999)}"),
        ("机构类型", lambda r: r.pick(("定点医疗机构", "定点零售药店"))),
        ("医保类别", lambda r: r.pick(("职工医保、居民医保", "职工医保、居民医保、异地就医"))),
        *ADDRESS,
        ("联系电话", lambda r: r.phone()),
    ],
    "hospital_visits": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("门急诊人次", lambda r: r.integer(50000, 900000)),
        ("出院人数", lambda r: r.integer(3000, 60000)),
        ("病床使用率(%)", lambda r: r.num(70, 98, 1)),
        ("平均住院日", lambda r: r.num(6, 11, 1)),
    ],
    # --- education and culture ---------------------------------------------------------------
    "schools": [
        (
            "学校名称",
            lambda r: (
                f"{r.place.name if r.place.code == '42' else ''}{r.short}"
                f"{r.pick(('第一', '第二', '实验', '外国语', r.street, '育才'))}"
                f"{r.any('小学 中学 初级中学 高级中学 九年一贯制学校')}"
            ),
        ),
        ("学段", lambda r: r.pick(("小学", "初中", "高中", "九年一贯制"))),
        ("办学性质", lambda r: r.pick(("公办", "公办", "公办", "民办"))),
        *ADDRESS,
        ("班级数", lambda r: r.integer(12, 90)),
        ("在校生数", lambda r: r.integer(400, 4500)),
        ("专任教师数", lambda r: r.integer(40, 320)),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "kindergartens": [
        (
            "幼儿园名称",
            lambda r: f"{r.place.name}{r.pick(BRANDS)}{r.any('幼儿园 第一幼儿园 实验幼儿园')}",
        ),
        ("办园性质", lambda r: r.pick(("公办", "普惠性民办", "民办"))),
        ("等级", lambda r: r.pick(("省级示范", "市级示范", "一级", "二级", "三级"))),
        *ADDRESS,
        ("班级数", lambda r: r.integer(3, 18)),
        ("收费标准(元/月)", lambda r: r.pick((380, 480, 680, 880, 1200, 2400))),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "tutoring": [
        (
            "机构名称",
            lambda r: (
                f"{r.city}{r.short}{r.pick(BRANDS)}"
                f"{r.any('艺术培训学校 体育培训中心 科技培训学校 文化培训学校')}"
            ),
        ),
        (
            "办学许可证号",
            lambda r: f"教民{r.place.code.ljust(6, '0')}{r.integer(1000000, 9999999)}号",
        ),
        ("培训类别", lambda r: r.pick(("艺术类", "体育类", "科技类", "学科类"))),
        *ADDRESS,
        (
            "资金监管银行",
            lambda r: r.pick(("中国工商银行", "中国建设银行", "汉口银行", "湖北银行")),
        ),
        ("举办者", lambda r: r.company("教育咨询")),
        ("审批日期", lambda r: r.date(2000)),
    ],
    "libraries": [
        (
            "名称",
            lambda r: f"{r.short}{r.any('图书馆 图书馆分馆 城市书房 社区图书室')}",
        ),
        *ADDRESS,
        ("藏书量(册)", lambda r: r.integer(5000, 2000000)),
        ("阅览座位数", lambda r: r.integer(20, 2500)),
        (
            "开放时间",
            lambda r: r.pick(("周二至周日 09:00-21:00", "周一至周日 09:00-17:00", "24小时自助")),
        ),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "universities": [
        (
            "学校名称",
            lambda r: (
                f"{r.district.removesuffix('市')}"
                f"{r.any('职业技术学院 理工学院 师范学院 医学院 大学 工程学院 科技学院')}"
            ),
        ),
        ("学校标识码", lambda r: f"41{r.integer(10000000, 14999999)}"),
        ("主管部门", lambda r: r.pick(("湖北省教育厅", "教育部", "湖北省卫生健康委员会"))),
        ("办学层次", lambda r: r.pick(("本科", "本科", "专科"))),
        ("所在地", _dist),
        ("在校生数", lambda r: r.integer(6000, 60000)),
        ("备注", lambda r: r.pick(("", "", "民办", "中外合作办学"))),
    ],
    "relics": [
        (
            "文物名称",
            lambda r: (
                f"{r.short}{r.any('古城墙遗址 旧址 古建筑群 碑刻 民居 古墓葬 革命纪念地 古桥')}"
            ),
        ),
        (
            "保护级别",
            lambda r: r.pick(
                (
                    "全国重点文物保护单位",
                    "省级文物保护单位",
                    "市级文物保护单位",
                    "区(县)级文物保护单位",
                )
            ),
        ),
        (
            "类别",
            lambda r: r.pick(
                ("古遗址", "古墓葬", "古建筑", "石窟寺及石刻", "近现代重要史迹及代表性建筑")
            ),
        ),
        (
            "时代",
            lambda r: r.pick(
                (
                    "新石器时代",
                    "商周",
                    "春秋战国",
                    "汉",
                    "三国",
                    "唐",
                    "宋",
                    "明",
                    "清",
                    "民国",
                    "1949年以后",
                )
            ),
        ),
        *ADDRESS,
        ("公布批次", lambda r: f"第{r.pick('一二三四五六七八')}批"),
        *COORDS,
    ],
    "museums": [
        (
            "博物馆名称",
            lambda r: f"{r.district}{r.any('博物馆 革命纪念馆 美术馆 非遗展示馆 历史文化陈列馆')}",
        ),
        ("性质", lambda r: r.pick(("国有", "国有", "非国有"))),
        ("质量等级", lambda r: r.pick(("一级", "二级", "三级", "未定级"))),
        *ADDRESS,
        ("是否免费开放", lambda r: r.pick(("是", "是", "否"))),
        ("开放时间", lambda r: "周二至周日 09:00-17:00"),
        ("联系电话", lambda r: r.phone()),
    ],
    # --- social security ---------------------------------------------------------------------
    "elderly_homes": [
        (
            "机构名称",
            lambda r: (
                f"{r.place.name}{r.short}"
                f"{r.any('社会福利院 养老院 颐养中心 康养中心 老年公寓 护理院')}"
            ),
        ),
        ("机构性质", lambda r: r.pick(("公办", "公建民营", "民办"))),
        *ADDRESS,
        ("床位数", lambda r: r.integer(30, 800)),
        ("护理型床位数", lambda r: r.integer(10, 400)),
        (
            "收费区间(元/月)",
            lambda r: f"{r.pick((1800, 2200, 2800, 3200))}-{r.pick((4500, 6000, 8000, 12000))}",
        ),
        ("是否医养结合", lambda r: r.pick(("是", "否"))),
        ("备案日期", lambda r: r.date(2500)),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "elderly_services": [
        ("站点名称", lambda r: f"{r.short}{r.road.removesuffix('路')}社区老年人服务站"),
        (
            "服务类型",
            lambda r: r.pick(
                ("社区养老服务综合体", "日间照料中心", "老年人助餐点", "嵌入式养老服务站")
            ),
        ),
        *ADDRESS,
        (
            "服务内容",
            lambda r: r.pick(("助餐、助浴、助医", "日间照料、康复护理", "文化娱乐、健康咨询")),
        ),
        ("运营单位", lambda r: r.company("养老服务")),
        ("联系电话", lambda r: r.phone()),
    ],
    "subsistence": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("城市低保户数", lambda r: r.integer(800, 12000)),
        ("城市低保人数", lambda r: r.integer(1200, 20000)),
        ("农村低保人数", lambda r: r.integer(0, 30000)),
        ("保障标准(元/人·月)", lambda r: r.pick((780, 810, 860, 920, 1000))),
        ("发放金额(万元)", lambda r: r.num(50, 2500)),
    ],
    "social_insurance_points": [
        (
            "网点名称",
            lambda r: (
                f"{r.short}"
                f"{r.any('社保服务中心 人社服务窗口 政务服务中心社保窗口 银行社保卡服务网点')}"
            ),
        ),
        *ADDRESS,
        (
            "可办业务",
            lambda r: r.pick(
                ("参保登记、社保卡申领", "社保卡挂失补换、密码重置", "养老保险关系转移、待遇申领")
            ),
        ),
        ("办公时间", lambda r: "周一至周五 09:00-12:00, 13:30-17:00"),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    # --- employment --------------------------------------------------------------------------
    "training_orgs": [
        (
            "机构名称",
            lambda r: f"{r.city}{r.pick(BRANDS)}职业培训学校",
        ),
        ("办学许可证号", lambda r: f"{r.place.code.ljust(6, '0')}{r.integer(10000000, 99999999)}"),
        (
            "培训专业(工种)",
            lambda r: r.pick(
                (
                    "电工、焊工",
                    "育婴员、养老护理员",
                    "中式烹调师、面点师",
                    "电子商务师、互联网营销师",
                    "保安员、消防设施操作员",
                )
            ),
        ),
        ("补贴类别", lambda r: r.pick(("职业技能培训补贴", "创业培训补贴", "以工代训"))),
        *ADDRESS,
        ("联系人", lambda r: r.person()[0] + r.pick(("老师", "女士", "先生"))),
        ("联系电话", lambda r: r.phone()),
    ],
    "job_fairs": [
        (
            "招聘会名称",
            lambda r: (
                f"{r.any('春风行动 民营企业招聘周 高校毕业生 就业援助月 百日千万')}专场招聘会("
                f"{r.short}站)"
            ),
        ),
        ("举办日期", lambda r: r.date(540)),
        ("举办地点", _site),
        ("参会单位数", lambda r: r.integer(30, 400)),
        ("提供岗位数", lambda r: r.integer(300, 12000)),
        ("达成就业意向人数", lambda r: r.integer(40, 3000)),
        ("主办单位", lambda r: f"{r.place.name}人力资源和社会保障局"),
    ],
    "hr_agencies": [
        ("机构名称", lambda r: r.company(r.pick(("人力资源服务", "人才服务", "劳务派遣")))),
        (
            "许可证编号",
            lambda r: f"{r.place.code.ljust(6, '0')}{r.integer(2018, 2025)}{r.integer(1000, 9999)}",
        ),
        ("统一社会信用代码", lambda r: r.uscc()),
        (
            "服务范围",
            lambda r: r.pick(
                ("职业介绍、人才推荐", "人力资源外包、劳务派遣", "高级人才寻访、人力资源培训")
            ),
        ),
        *ADDRESS,
        ("发证日期", lambda r: r.date(2000)),
    ],
    "skill_centres": [
        ("机构名称", lambda r: f"{r.company(r.any('职业技能评价 技能培训'))}"),
        ("备案编号", lambda r: f"S{r.place.code.ljust(6, '0')}{r.integer(100, 999)}"),
        (
            "认定职业(工种)",
            lambda r: r.pick(
                (
                    "电工、钳工、焊工",
                    "保育师、育婴员",
                    "茶艺师、评茶员",
                    "汽车维修工",
                    "网络与信息安全管理员",
                )
            ),
        ),
        ("认定等级", lambda r: r.pick(("五级至三级", "五级至一级", "四级至二级"))),
        *ADDRESS,
        ("联系电话", lambda r: r.phone()),
    ],
    "incubators_jobs": [
        (
            "基地名称",
            lambda r: f"{r.short}{r.any('大学生创业孵化基地 返乡创业园 就业见习基地 创客空间')}",
        ),
        ("基地类型", lambda r: r.pick(("创业孵化基地", "就业见习基地"))),
        ("认定级别", lambda r: r.pick(("省级", "市级", "区级"))),
        *ADDRESS,
        ("入驻企业数", lambda r: r.integer(5, 180)),
        ("带动就业人数", lambda r: r.integer(20, 2400)),
    ],
    "arbitration": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("受理案件数", lambda r: r.integer(20, 600)),
        ("结案数", lambda r: r.integer(15, 580)),
        ("调解结案率(%)", lambda r: r.num(40, 85, 1)),
        ("涉及劳动者人数", lambda r: r.integer(30, 1500)),
    ],
    # --- market supervision ------------------------------------------------------------------
    "enterprises": [
        ("统一社会信用代码", lambda r: r.uscc()),
        ("企业名称", lambda r: r.company()),
        (
            "企业类型",
            lambda r: r.pick(
                (
                    "有限责任公司(自然人投资或控股)",
                    "有限责任公司(自然人独资)",
                    "股份有限公司(非上市)",
                    "有限责任公司(国有独资)",
                    "个人独资企业",
                    "合伙企业",
                )
            ),
        ),
        ("法定代表人", lambda r: r.person()),
        ("注册资本(万元)", lambda r: r.pick((10, 50, 100, 200, 500, 1000, 3000, 5000))),
        ("成立日期", lambda r: r.date(7000)),
        ("登记机关", lambda r: f"{r.place.name}市场监督管理局"),
        ("住所", _site),
        (
            "登记状态",
            lambda r: r.pick(
                (
                    "存续(在营、开业、在册)",
                    "存续(在营、开业、在册)",
                    "存续(在营、开业、在册)",
                    "注销",
                    "吊销",
                )
            ),
        ),
    ],
    "sole_traders": [
        ("统一社会信用代码", lambda r: r.uscc("92")),
        (
            "字号名称",
            lambda r: (
                f"{r.short}{r.person()}"
                f"{r.any('小吃店 便利店 五金店 理发店 服装店 水果店 家电维修部')}"
            ),
        ),
        ("经营者", lambda r: r.person()),
        ("组成形式", lambda r: r.pick(("个人经营", "家庭经营"))),
        ("经营场所", _site),
        ("注册日期", lambda r: r.date(3000)),
        ("登记状态", lambda r: r.pick(("存续", "存续", "注销"))),
    ],
    "food_licences": [
        ("经营者名称", lambda r: r.company(r.pick(("餐饮管理", "食品", "商贸", "超市")))),
        (
            "许可证编号",
            lambda r: (
                f"JY{r.pick('123')}{r.place.code.ljust(6, '0')}{r.integer(10000000, 99999999)}"
            ),
        ),
        ("统一社会信用代码", lambda r: r.uscc()),
        ("法定代表人(负责人)", lambda r: r.person()),
        ("经营场所", _site),
        ("主体业态", lambda r: r.pick(("食品销售经营者", "餐饮服务经营者", "单位食堂"))),
        (
            "经营项目",
            lambda r: r.pick(
                (
                    "预包装食品销售(含冷藏冷冻食品)",
                    "热食类食品制售",
                    "冷食类食品制售、热食类食品制售",
                    "散装食品销售",
                )
            ),
        ),
        ("有效期至", lambda r: r.date(1800, before=dt.date(2030, 6, 30))),
    ],
    "catering_grades": [
        ("单位名称", lambda r: r.company("餐饮管理")),
        ("经营地址", _site),
        ("许可证编号", lambda r: f"JY2{r.place.code.ljust(6, '0')}{r.integer(10000000, 99999999)}"),
        ("动态等级", lambda r: r.pick(("A级(良好)", "B级(一般)", "C级(较差)"))),
        ("年度等级", lambda r: r.pick(("优秀", "良好", "一般"))),
        ("评定日期", lambda r: r.date(365)),
    ],
    "special_equipment": [
        ("使用单位", lambda r: r.company()),
        (
            "设备类别",
            lambda r: r.pick(
                ("电梯", "电梯", "锅炉", "压力容器", "起重机械", "场(厂)内专用机动车辆")
            ),
        ),
        (
            "设备代码",
            lambda r: (
                f"{r.integer(3000, 4999)}{r.place.code.ljust(6, '0')}{r.integer(2010, 2025)}"
                f"{r.integer(10000, 99999)}"
            ),
        ),
        (
            "使用登记证编号",
            lambda r: (
                f"{r.any('梯 容 起 锅')}1{r.integer(1, 9)}鄂A"
                f"{r.integer(10000, 99999)}({r.integer(15, 25)})"
            ),
        ),
        ("安装地点", _site),
        ("下次检验日期", lambda r: r.date(365, before=dt.date(2026, 6, 30))),
        ("维保单位", lambda r: r.company("电梯工程")),
    ],
    "spot_checks": [
        (
            "产品名称",
            lambda r: r.pick(
                (
                    "电线电缆",
                    "儿童玩具",
                    "食用植物油",
                    "学生用品",
                    "电动自行车",
                    "化肥",
                    "燃气灶具",
                    "瓶装饮用水",
                    "水泥",
                )
            ),
        ),
        ("受检单位", lambda r: r.company()),
        (
            "规格型号",
            lambda r: r.pick(("BV 2.5mm²", "500mL/瓶", "5L/桶", "TDR2301", "42.5级", "—")),
        ),
        ("生产日期(批号)", lambda r: r.date(400)),
        ("抽查结果", lambda r: r.pick(("合格", "合格", "合格", "合格", "不合格"))),
        ("不合格项目", lambda r: r.pick(("", "", "", "标志和说明", "电阻率"))),
        (
            "检验机构",
            lambda r: r.pick(
                (
                    "湖北省产品质量监督检验研究院",
                    "武汉市产品质量监督检验所",
                    "湖北省计量测试技术研究院",
                )
            ),
        ),
        ("公告日期", lambda r: r.date(500)),
    ],
    "food_checks": [
        (
            "样品名称",
            lambda r: r.pick(
                (
                    "鸡蛋",
                    "韭菜",
                    "猪肉",
                    "大米",
                    "豆腐",
                    "酱油",
                    "小龙虾",
                    "热干面(碱水面)",
                    "白酒",
                    "桶装饮用水",
                )
            ),
        ),
        ("被抽样单位", lambda r: r.company(r.pick(("超市", "商贸", "农贸市场管理")))),
        ("被抽样单位地址", _site),
        ("抽样日期", lambda r: r.date(365)),
        ("检验结果", lambda r: r.pick(("合格", "合格", "合格", "合格", "合格", "不合格"))),
        ("不合格项目", lambda r: r.pick(("", "", "", "腐霉利", "菌落总数"))),
        (
            "任务来源",
            lambda r: r.pick(
                ("国家市场监督管理总局", "湖北省市场监督管理局", f"{r.place.name}市场监督管理局")
            ),
        ),
    ],
    "penalties": [
        (
            "行政处罚决定书文号",
            lambda r: (
                f"{r.place.name[:2]}市监罚字〔{r.pick((2023, 2024, 2025))}〕{r.integer(1, 999)}号"
            ),
        ),
        ("当事人名称", lambda r: r.company()),
        ("统一社会信用代码", lambda r: r.uscc()),
        (
            "违法行为类型",
            lambda r: r.pick(
                (
                    "销售过期食品",
                    "虚假宣传",
                    "未按规定明码标价",
                    "无证经营",
                    "销售不合格产品",
                    "商标侵权",
                )
            ),
        ),
        ("处罚种类", lambda r: r.pick(("警告", "罚款", "没收违法所得、罚款"))),
        ("罚没金额(元)", lambda r: r.pick((0, 2000, 5000, 10000, 30000, 50000, 100000))),
        ("处罚机关", lambda r: f"{r.place.name}市场监督管理局"),
        ("处罚决定日期", lambda r: r.date(700)),
    ],
    "prices": [
        ("日期", lambda r: r.day(r.i // 12, 7)),
        (
            "品种",
            lambda r: (
                "猪肉(精瘦肉)",
                "鸡蛋",
                "大白菜",
                "土豆",
                "西红柿",
                "黄瓜",
                "青椒",
                "莲藕",
                "草鱼",
                "大米(粳米)",
                "菜籽油",
                "牛肉",
            )[r.i % 12],
        ),
        (
            "规格",
            lambda r: (
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "500克",
                "5升/桶",
                "500克",
            )[r.i % 12],
        ),
        (
            "监测市场",
            lambda r: f"{r.place.name}{r.any('白沙洲农副产品大市场 中心农贸市场 城区超市')}",
        ),
        ("最低价(元)", lambda r: r.num(1.2, 30)),
        ("最高价(元)", lambda r: r.num(30, 45)),
        ("平均价(元)", lambda r: r.num(2.5, 38)),
    ],
    "labs": [
        ("机构名称", lambda r: r.company(r.pick(("检测技术", "检验检测", "环境检测", "质量检测")))),
        ("资质认定证书编号", lambda r: f"{r.integer(18, 25)}1712{r.integer(100000, 999999)}"),
        (
            "检验检测领域",
            lambda r: r.pick(
                ("环境监测", "食品", "建筑工程", "机动车检验", "医学检验", "电子电器")
            ),
        ),
        *ADDRESS,
        ("发证日期", lambda r: r.date(2000)),
        ("有效期至", lambda r: r.date(1800, before=dt.date(2030, 12, 31))),
    ],
    "farm_markets": [
        (
            "市场名称",
            lambda r: f"{r.short}{r.road.removesuffix('路').removesuffix('大道')}农贸市场",
        ),
        *ADDRESS,
        ("摊位数", lambda r: r.integer(40, 400)),
        ("开办单位", lambda r: r.company("市场管理")),
        ("是否标准化改造", lambda r: r.pick(("是", "是", "否"))),
        ("营业时间", lambda r: "06:00-19:00"),
        *COORDS,
    ],
    # --- finance ------------------------------------------------------------------------------
    "budget": [
        ("科目编码", lambda r: f"{201 + r.i // 6}{(r.i % 6) + 1:02d}"),
        (
            "科目名称",
            lambda r: (
                (
                    "一般公共服务支出",
                    "公共安全支出",
                    "教育支出",
                    "科学技术支出",
                    "文化旅游体育与传媒支出",
                    "社会保障和就业支出",
                    "卫生健康支出",
                    "节能环保支出",
                    "城乡社区支出",
                    "农林水支出",
                    "交通运输支出",
                    "住房保障支出",
                )[(r.i // 6) % 12]
                + ("", "—行政运行", "—一般行政管理事务", "—机关服务", "—事业运行", "—其他支出")[
                    r.i % 6
                ]
            ),
        ),
        ("2025年预算数(万元)", lambda r: r.num(50, 90000)),
        ("2024年执行数(万元)", lambda r: r.num(50, 90000)),
        ("增减(%)", lambda r: r.num(-15, 20, 1)),
    ],
    "procurement": [
        (
            "项目编号",
            lambda r: (
                f"{r.place.code.ljust(6, '0')}-{r.pick((2024, 2025))}-{r.integer(10000, 99999)}"
            ),
        ),
        (
            "项目名称",
            lambda r: f"{r.short}{r.any(_PROCUREMENTS)}项目",
        ),
        (
            "采购单位",
            lambda r: f"{r.place.name}{r.any(_BUYERS)}",
        ),
        (
            "采购方式",
            lambda r: r.pick(
                ("公开招标", "公开招标", "竞争性磋商", "竞争性谈判", "询价", "单一来源")
            ),
        ),
        ("预算金额(万元)", lambda r: r.num(20, 5000)),
        ("中标(成交)供应商", lambda r: r.company()),
        ("中标(成交)金额(万元)", lambda r: r.num(18, 4800)),
        ("公告日期", lambda r: r.date(500)),
    ],
    "bonds": [
        (
            "债券名称",
            lambda r: (
                f"{r.pick((2021, 2022, 2023, 2024, 2025))}年湖北省"
                f"{r.any('政府专项债券 政府一般债券 棚改专项债券 收费公路专项债券')}(第"
                f"{r.integer(1, 30)}期)"
            ),
        ),
        (
            "项目名称",
            lambda r: (
                f"{r.district}"
                f"{r.any('产业园基础设施 老旧小区改造 污水处理厂 城市停车场 冷链物流园')}项目"
            ),
        ),
        ("发行金额(亿元)", lambda r: r.num(0.5, 30)),
        ("期限(年)", lambda r: r.pick((5, 7, 10, 15, 20, 30))),
        ("票面利率(%)", lambda r: r.num(2.1, 3.6)),
        ("发行日期", lambda r: r.date(1500)),
    ],
    "tax_revenue": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("一般公共预算收入(亿元)", lambda r: r.num(1, 180)),
        ("税收收入(亿元)", lambda r: r.num(1, 150)),
        ("增值税(亿元)", lambda r: r.num(0.2, 60)),
        ("企业所得税(亿元)", lambda r: r.num(0.1, 40)),
        ("同比增长(%)", lambda r: r.num(-8, 12, 1)),
    ],
    # --- economy ------------------------------------------------------------------------------
    "gdp": [
        ("季度", lambda r: _QUARTERS[r.i % len(_QUARTERS)]),
        ("地区", lambda r: r.place.areas[(r.i // len(_QUARTERS)) % len(r.place.areas)][0]),
        ("地区生产总值(亿元)", lambda r: r.num(150, 5500, 1)),
        ("第一产业增加值(亿元)", lambda r: r.num(5, 300, 1)),
        ("第二产业增加值(亿元)", lambda r: r.num(50, 2500, 1)),
        ("第三产业增加值(亿元)", lambda r: r.num(80, 3200, 1)),
        ("同比增长(%)", lambda r: r.num(-3, 9, 1)),
    ],
    "retail": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("社会消费品零售总额(亿元)", lambda r: r.num(10, 800, 1)),
        ("同比增长(%)", lambda r: r.num(-5, 12, 1)),
        ("限额以上单位零售额(亿元)", lambda r: r.num(4, 400, 1)),
    ],
    "projects": [
        (
            "项目名称",
            lambda r: f"{r.short}{r.any(_PROJECTS)}项目",
        ),
        ("建设单位", lambda r: r.company()),
        ("建设地点", _site),
        ("项目类型", lambda r: r.pick(("产业类", "基础设施类", "社会民生类"))),
        ("总投资(亿元)", lambda r: r.num(1, 120, 1)),
        ("年度计划投资(亿元)", lambda r: r.num(0.3, 30, 1)),
        ("开工时间", lambda r: r.date(1200)[:7]),
        ("建设状态", lambda r: r.pick(("在建", "新开工", "竣工"))),
    ],
    "trade": [
        ("统计月份", _period),
        ("贸易方式", lambda r: ("一般贸易", "加工贸易", "保税物流")[(r.i // len(_PERIODS)) % 3]),
        ("进出口总额(亿元)", lambda r: r.num(50, 700, 1)),
        ("出口额(亿元)", lambda r: r.num(30, 450, 1)),
        ("进口额(亿元)", lambda r: r.num(20, 300, 1)),
        ("同比增长(%)", lambda r: r.num(-10, 25, 1)),
    ],
    "parks_industrial": [
        (
            "园区名称",
            lambda r: (
                f"{r.district}"
                f"{r.any('经济开发区 高新技术产业开发区 临空经济区 化工园区 现代物流园')}"
            ),
        ),
        ("园区级别", lambda r: r.pick(("国家级", "省级", "市级"))),
        (
            "主导产业",
            lambda r: r.pick(
                ("光电子信息", "汽车及零部件", "生物医药", "新材料", "食品加工", "装备制造")
            ),
        ),
        ("规划面积(平方公里)", lambda r: r.num(3, 120, 1)),
        ("入驻企业数", lambda r: r.integer(40, 3000)),
        ("管理机构", lambda r: f"{r.district}{r.any('开发区管委会 高新区管委会')}"),
    ],
    # --- agriculture --------------------------------------------------------------------------
    "coops": [
        (
            "合作社名称",
            lambda r: (
                f"{r.district}{r.pick(BRANDS)}{r.any('蔬菜 水产 茶叶 柑橘 香菇 稻虾 生猪 农机')}"
                "专业合作社"
            ),
        ),
        ("统一社会信用代码", lambda r: r.uscc("93")),
        ("法定代表人", lambda r: r.person()),
        ("成员数", lambda r: r.integer(5, 600)),
        ("主营产品", lambda r: r.pick(("蔬菜", "小龙虾", "茶叶", "柑橘", "香菇", "水稻", "生猪"))),
        ("示范社级别", lambda r: r.pick(("国家级", "省级", "市级", "—"))),
        ("住所", _site),
    ],
    "family_farms": [
        ("家庭农场名称", lambda r: f"{r.district}{r.person()}家庭农场"),
        ("经营类型", lambda r: r.pick(("种植业", "养殖业", "种养结合", "休闲农业"))),
        ("经营面积(亩)", lambda r: r.integer(50, 2000)),
        ("主要产品", lambda r: r.pick(("水稻", "小龙虾", "蔬菜", "茶叶", "生猪", "水果"))),
        ("认定级别", lambda r: r.pick(("省级示范", "市级示范", "县级示范"))),
        ("所在地", _dist),
    ],
    "crops": [
        ("年份", lambda r: 2025 - (r.i // len(r.place.areas)) % 10),
        ("区域", lambda r: r.place.areas[r.i % len(r.place.areas)][0]),
        ("粮食播种面积(千公顷)", lambda r: r.num(10, 400, 1)),
        ("粮食产量(万吨)", lambda r: r.num(5, 280, 1)),
        ("油料产量(万吨)", lambda r: r.num(0.5, 40, 1)),
        ("水产品产量(万吨)", lambda r: r.num(1, 60, 1)),
        ("生猪出栏(万头)", lambda r: r.num(10, 400, 1)),
    ],
    # --- urban and housing --------------------------------------------------------------------
    "toilets": [
        ("厕所名称", lambda r: f"{r.road}{r.any('公厕 公共厕所 环卫公厕 景区公厕')}"),
        ("类别", lambda r: r.pick(("一类", "二类", "二类", "三类"))),
        *ADDRESS,
        ("开放时间", lambda r: r.pick(("24小时", "06:00-23:00", "05:30-22:30"))),
        ("蹲位数", lambda r: r.integer(4, 20)),
        ("是否有无障碍设施", lambda r: r.pick(("是", "是", "否"))),
        ("是否有第三卫生间", lambda r: r.pick(("是", "否", "否"))),
        ("管理单位", lambda r: f"{r.district}环境卫生管理站"),
        *COORDS,
    ],
    "parks": [
        (
            "公园名称",
            lambda r: f"{r.short}{r.any('公园 游园 湖公园 江滩公园 口袋公园 森林公园')}",
        ),
        ("公园类型", lambda r: r.pick(("综合公园", "社区公园", "专类公园", "游园"))),
        *ADDRESS,
        ("面积(公顷)", lambda r: r.num(0.3, 120, 1)),
        ("是否免费", lambda r: r.pick(("是", "是", "是", "否"))),
        ("开放时间", lambda r: r.pick(("全天开放", "06:00-22:00"))),
        *COORDS,
    ],
    "presale": [
        (
            "预售许可证号",
            lambda r: (
                f"{r.place.name[:2]}房预售{r.pick(('', '字'))}〔{r.pick((2023, 2024, 2025))}〕"
                f"{r.integer(1, 800)}号"
            ),
        ),
        (
            "项目名称",
            lambda r: (
                f"{r.pick(BRANDS)}{r.any('府 苑 花园 公馆 壹号院 城')}{r.any('一期 二期 三期')}"
            ),
        ),
        ("开发企业", lambda r: r.company("房地产开发")),
        ("项目坐落", _site),
        ("预售套数", lambda r: r.integer(60, 900)),
        ("预售面积(平方米)", lambda r: r.num(6000, 120000)),
        ("发证日期", lambda r: r.date(800)),
    ],
    "construction_permits": [
        (
            "施工许可证编号",
            lambda r: (
                f"{r.place.code.ljust(6, '0')}{r.pick((2024, 2025))}{r.integer(1, 12):02d}"
                f"{r.integer(100000, 999999)}"
            ),
        ),
        (
            "工程名称",
            lambda r: (
                f"{r.short}{r.any('安置房 中学新建 医院门诊楼 商业综合体 产业园厂房 道路改造')}工程"
            ),
        ),
        ("建设单位", lambda r: r.company()),
        ("施工单位", lambda r: r.company("建筑工程")),
        ("建设地址", _site),
        ("合同价格(万元)", lambda r: r.num(300, 80000)),
        ("建筑面积(平方米)", lambda r: r.num(800, 200000)),
        ("发证日期", lambda r: r.date(600)),
    ],
    "affordable_housing": [
        (
            "项目名称",
            lambda r: f"{r.short}{r.any('保障性租赁住房 公共租赁住房 人才公寓 安置房')}项目",
        ),
        ("房源类型", lambda r: r.pick(("保障性租赁住房", "公共租赁住房", "共有产权房"))),
        *ADDRESS,
        ("套数", lambda r: r.integer(80, 2400)),
        ("户型面积(平方米)", lambda r: r.pick(("30-45", "45-60", "60-90"))),
        ("租金标准(元/平方米·月)", lambda r: r.num(12, 32, 1)),
        ("运营单位", lambda r: r.company("住房租赁")),
    ],
    "property_firms": [
        ("企业名称", lambda r: r.company("物业服务")),
        ("统一社会信用代码", lambda r: r.uscc()),
        ("法定代表人", lambda r: r.person()),
        *ADDRESS,
        ("在管项目数", lambda r: r.integer(1, 120)),
        ("信用等级", lambda r: r.pick(("AAA", "AA", "A", "B"))),
    ],
    # --- public safety ------------------------------------------------------------------------
    "police_stations": [
        (
            "派出所名称",
            lambda r: (
                f"{r.city}公安局{r.district if r.place.code != '420106' else '武昌区'}分局{r.short}"
                "派出所"
            ),
        ),
        *ADDRESS,
        ("户籍窗口办公时间", lambda r: "周一至周五 09:00-12:00, 14:00-17:30(周六上午)"),
        ("值班电话", lambda r: r.phone()),
        *COORDS,
    ],
    "exit_entry": [
        ("受理点名称", lambda r: f"{r.short}出入境{r.any('接待大厅 受理点 自助办证点')}"),
        *ADDRESS,
        (
            "受理业务",
            lambda r: r.pick(
                ("护照、往来港澳台通行证及签注", "往来港澳通行证再次签注(自助)", "外国人签证证件")
            ),
        ),
        ("办公时间", lambda r: "周一至周日 09:00-17:00"),
        ("联系电话", lambda r: r.phone()),
    ],
    "vehicle_inspection": [
        ("检验机构名称", lambda r: r.company("机动车检测")),
        *ADDRESS,
        ("检测线数", lambda r: r.integer(2, 12)),
        ("可检车型", lambda r: r.pick(("小型汽车", "小型汽车、大型汽车", "小型汽车、摩托车"))),
        ("营业时间", lambda r: "08:30-17:30"),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "fire_stations": [
        ("消防站名称", lambda r: f"{r.short}{r.any('特勤站 消防救援站 小型消防站')}"),
        ("站级", lambda r: r.pick(("特勤站", "一级普通站", "二级普通站", "小型站"))),
        *ADDRESS,
        ("消防车数量", lambda r: r.integer(3, 14)),
        ("辖区面积(平方公里)", lambda r: r.num(5, 80, 1)),
        *COORDS,
    ],
    "shelters": [
        (
            "避难场所名称",
            lambda r: f"{r.short}{r.any('广场 公园 体育中心 中学操场')}应急避难场所",
        ),
        ("类型", lambda r: r.pick(("Ⅰ类", "Ⅱ类", "Ⅲ类"))),
        *ADDRESS,
        ("有效避难面积(平方米)", lambda r: r.integer(2000, 80000)),
        ("可容纳人数", lambda r: r.integer(1000, 40000)),
        (
            "主要设施",
            lambda r: r.pick(
                ("应急供水、应急厕所、应急照明", "应急物资储备、医疗救护点", "应急供电、广播")
            ),
        ),
        *COORDS,
    ],
    "chemicals": [
        ("企业名称", lambda r: r.company(r.pick(("化工", "化工贸易", "石化", "气体")))),
        (
            "许可证编号",
            lambda r: (
                f"鄂{r.place.name[:1]}危化经字"
                f"〔{r.pick((2023, 2024, 2025))}〕{r.integer(1, 999):06d}"
            ),
        ),
        (
            "许可范围",
            lambda r: r.pick(("汽油、柴油", "液化石油气", "硫酸、盐酸、氢氧化钠", "乙醇、甲醇")),
        ),
        ("经营方式", lambda r: r.pick(("批发(无仓储)", "零售(带储存)", "批发(带储存)"))),
        ("注册地址", _site),
        ("有效期至", lambda r: r.date(1000, before=dt.date(2028, 6, 30))),
    ],
    # --- science ------------------------------------------------------------------------------
    "high_tech": [
        (
            "企业名称",
            lambda r: r.company(
                r.pick(("光电科技", "生物科技", "信息技术", "智能装备", "新材料", "软件"))
            ),
        ),
        ("统一社会信用代码", lambda r: r.uscc()),
        ("证书编号", lambda r: f"GR{r.pick((2022, 2023, 2024))}42{r.integer(100000, 999999)}"),
        ("所在地", _dist),
        (
            "技术领域",
            lambda r: r.pick(
                ("电子信息", "生物与新医药", "先进制造与自动化", "新材料", "高技术服务")
            ),
        ),
        ("认定年份", lambda r: r.pick((2022, 2023, 2024))),
    ],
    "incubators": [
        (
            "孵化器名称",
            lambda r: (
                f"{r.district}{r.any('光谷创业街 青年创新创业 科技企业 大学科技园 留学生创业园')}"
                "孵化器"
            ),
        ),
        ("认定级别", lambda r: r.pick(("国家级", "省级", "市级"))),
        ("类型", lambda r: r.pick(("科技企业孵化器", "众创空间", "大学科技园"))),
        ("运营机构", lambda r: r.company("创业服务")),
        ("孵化面积(平方米)", lambda r: r.integer(2000, 60000)),
        ("在孵企业数", lambda r: r.integer(10, 300)),
        ("地址", _site),
    ],
    "patents": [
        ("年份", lambda r: 2025 - (r.i // len(r.place.areas)) % 10),
        ("地区", lambda r: r.place.areas[r.i % len(r.place.areas)][0]),
        ("发明专利授权量(件)", lambda r: r.integer(100, 30000)),
        ("实用新型专利授权量(件)", lambda r: r.integer(500, 50000)),
        ("每万人口高价值发明专利拥有量(件)", lambda r: r.num(0.5, 30, 2)),
        ("技术合同成交额(亿元)", lambda r: r.num(1, 1500, 1)),
    ],
    # --- tourism ------------------------------------------------------------------------------
    "scenic": [
        (
            "景区名称",
            lambda r: (
                f"{r.short}"
                f"{r.any('风景区 生态旅游区 湿地公园 古镇 文化旅游区 森林公园 农业观光园')}"
            ),
        ),
        ("等级", lambda r: r.pick(("5A", "4A", "4A", "3A", "3A", "2A"))),
        *ADDRESS,
        ("门票价格(元)", lambda r: r.pick((0, 0, 30, 50, 60, 80, 120, 180))),
        ("开放时间", lambda r: r.pick(("08:00-17:30", "08:30-18:00", "全天开放"))),
        ("最大承载量(人次/日)", lambda r: r.integer(2000, 60000)),
        ("咨询电话", lambda r: r.phone()),
        *COORDS,
    ],
    "hotels": [
        (
            "饭店名称",
            lambda r: (
                f"{(r.district if r.place.code == '42' else r.place.name).removesuffix('市')}"
                f"{r.pick(BRANDS)}{r.any('大酒店 宾馆 国际酒店 饭店')}"
            ),
        ),
        ("星级", lambda r: r.pick(("五星级", "四星级", "四星级", "三星级", "三星级", "二星级"))),
        *ADDRESS,
        ("客房数", lambda r: r.integer(60, 600)),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "travel_agencies": [
        ("旅行社名称", lambda r: r.company(r.pick(("国际旅行社", "旅行社", "旅游服务")))),
        ("许可证号", lambda r: f"L-HUB-{r.pick(('', 'CJ'))}{r.integer(100, 999):05d}"),
        (
            "经营范围",
            lambda r: r.pick(
                ("国内旅游业务、入境旅游业务", "国内旅游业务、入境旅游业务、出境旅游业务")
            ),
        ),
        *ADDRESS,
        ("质量保证金(万元)", lambda r: r.pick((20, 140))),
        ("联系电话", lambda r: r.phone()),
    ],
    "sports_venues": [
        (
            "场馆名称",
            lambda r: (
                f"{r.short}{r.any('体育中心 全民健身中心 游泳馆 体育馆 网球中心 社区运动场')}"
            ),
        ),
        (
            "场馆类型",
            lambda r: r.pick(("体育场", "体育馆", "游泳馆", "全民健身中心", "室外运动场")),
        ),
        *ADDRESS,
        ("建筑面积(平方米)", lambda r: r.integer(800, 80000)),
        ("座位数", lambda r: r.integer(0, 50000)),
        ("是否免费或低收费开放", lambda r: r.pick(("是", "是", "否"))),
        ("开放时间", lambda r: r.pick(("06:00-22:00", "09:00-21:00"))),
        ("联系电话", lambda r: r.phone()),
        *COORDS,
    ],
    "visitors": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("接待游客(万人次)", lambda r: r.num(10, 2800, 1)),
        ("旅游收入(亿元)", lambda r: r.num(1, 300, 1)),
        ("A级景区接待量(万人次)", lambda r: r.num(5, 900, 1)),
    ],
    # --- government ---------------------------------------------------------------------------
    "service_items": [
        (
            "事项编码",
            lambda r: (
                f"{r.place.code.ljust(6, '0')}{r.any('000101 000201 000501')}"
                f"{r.integer(10000, 99999)}"
            ),
        ),
        (
            "事项名称",
            lambda r: r.pick(
                (
                    "企业设立登记",
                    "食品经营许可",
                    "职业资格证书核发",
                    "社会保障卡申领",
                    "建设工程施工许可证核发",
                    "户口迁移",
                    "居住证办理",
                    "养老保险待遇申领",
                    "失业保险金申领",
                    "医疗机构执业登记",
                    "燃气经营许可",
                    "城市道路占用挖掘许可",
                    "特种设备使用登记",
                    "药品零售企业许可",
                    "公共场所卫生许可",
                )
            ),
        ),
        (
            "事项类型",
            lambda r: r.pick(
                ("行政许可", "行政许可", "公共服务", "行政确认", "行政给付", "其他行政权力")
            ),
        ),
        (
            "实施主体",
            lambda r: f"{r.place.name}{r.any(_AGENCIES)}",
        ),
        ("法定办结时限(工作日)", lambda r: r.pick((20, 20, 15, 10, 30))),
        ("承诺办结时限(工作日)", lambda r: r.pick((1, 3, 5, 7, 10))),
        ("是否收费", lambda r: r.pick(("否", "否", "否", "是"))),
        ("网办深度", lambda r: r.pick(("全程网办", "全程网办", "一次办", "即办"))),
        ("到现场次数", lambda r: r.pick((0, 0, 1, 1, 2))),
    ],
    "service_centres": [
        (
            "服务中心名称",
            lambda r: (
                f"{r.short}{r.any('政务服务中心 街道党群服务中心(便民服务中心) 社区党群服务中心')}"
            ),
        ),
        ("层级", lambda r: r.pick(("区级", "街道(乡镇)级", "社区(村)级"))),
        *ADDRESS,
        ("窗口数", lambda r: r.integer(2, 120)),
        ("进驻事项数", lambda r: r.integer(20, 1500)),
        ("办公时间", lambda r: "周一至周五 09:00-12:00, 13:30-17:00(夏令时 14:00-17:30)"),
        ("咨询电话", lambda r: r.phone()),
        *COORDS,
    ],
    "hotline_stats": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("受理总量(件)", lambda r: r.integer(2000, 80000)),
        ("咨询类(件)", lambda r: r.integer(800, 40000)),
        ("投诉举报类(件)", lambda r: r.integer(400, 20000)),
        ("求助类(件)", lambda r: r.integer(100, 8000)),
        ("按时办结率(%)", lambda r: r.num(92, 99.9, 1)),
        ("满意率(%)", lambda r: r.num(85, 99, 1)),
    ],
    "hotline_orders": [
        ("工单编号", lambda r: f"{r.pick((2024, 2025))}{r.integer(10, 12):02d}{r.i + 1:07d}"),
        ("受理时间", lambda r: f"{r.date(365)} {r.integer(8, 21):02d}:{r.integer(0, 59):02d}"),
        (
            "诉求类别",
            lambda r: r.pick(
                (
                    "城乡建设",
                    "交通运输",
                    "环境保护",
                    "市场监管",
                    "劳动保障",
                    "教育",
                    "卫生健康",
                    "物业管理",
                )
            ),
        ),
        (
            "诉求摘要",
            lambda r: r.pick(
                (
                    "反映小区噪音扰民",
                    "咨询社保卡办理流程",
                    "投诉商家未明码标价",
                    "反映路灯不亮",
                    "建议增加公交班次",
                    "反映占道经营",
                    "咨询入学政策",
                    "反映物业服务质量问题",
                )
            ),
        ),
        ("所在区域", _dist),
        (
            "承办单位",
            lambda r: f"{r.district}{r.any('城管执法局 人社局 市场监管局 住房局 教育局')}",
        ),
        ("办结状态", lambda r: r.pick(("已办结", "已办结", "已办结", "办理中"))),
        ("满意度", lambda r: r.pick(("满意", "满意", "基本满意", "不满意"))),
    ],
    "social_orgs": [
        (
            "社会组织名称",
            lambda r: f"{r.place.name}{r.any(_SOCIETIES)}",
        ),
        ("统一社会信用代码", lambda r: r.uscc(r.pick(("51", "52", "53")))),
        ("类型", lambda r: r.pick(("社会团体", "民办非企业单位", "基金会"))),
        (
            "业务主管单位",
            lambda r: r.pick(("无", f"{r.place.name}民政局", f"{r.place.name}文化和旅游局")),
        ),
        ("法定代表人", lambda r: r.person()),
        ("登记日期", lambda r: r.date(9000)),
        ("住所", _site),
    ],
    "public_institutions": [
        (
            "事业单位名称",
            lambda r: f"{r.place.name}{r.any(_INSTITUTIONS)}",
        ),
        ("统一社会信用代码", lambda r: r.uscc("12")),
        (
            "举办单位",
            lambda r: (
                f"{r.place.name}"
                f"{r.any('自然资源和规划局 卫生健康委员会 人民政府办公室 农业农村局')}"
            ),
        ),
        ("经费来源", lambda r: r.pick(("财政补助", "财政拨款", "经费自理"))),
        ("开办资金(万元)", lambda r: r.pick((10, 50, 120, 500, 1200))),
        ("住所", _site),
    ],
    # --- geography ----------------------------------------------------------------------------
    "place_names": [
        (
            "标准名称",
            lambda r: (
                f"{r.road.removesuffix('大道').removesuffix('路')}"
                f"{r.any('路 街 巷 桥 广场 社区 湖')}"
            ),
        ),
        ("地名类别", lambda r: r.pick(("道路", "道路", "街巷", "桥梁", "广场", "居民点", "湖泊"))),
        ("所在区域", _dist),
        (
            "罗马字母拼写",
            lambda r: r.pick(
                ("Zhongshan Dadao", "Jiefang Lu", "Jianshe Lu", "Yanjiang Dadao", "Donghu Lu")
            ),
        ),
        ("命名时间", lambda r: r.date(20000)[:4]),
        (
            "地名含义",
            lambda r: r.pick(
                ("因临长江得名", "以纪念辛亥首义得名", "因古时为驿道得名", "沿用历史地名")
            ),
        ),
        *COORDS,
    ],
    "communities": [
        (
            "社区(村)名称",
            lambda r: f"{r.road.removesuffix('路').removesuffix('大道')}{r.any('社区 社区 村')}",
        ),
        ("所属街道(乡镇)", _dist),
        ("居委会(村委会)地址", _site),
        ("户数", lambda r: r.integer(800, 9000)),
        ("常住人口", lambda r: r.integer(2000, 26000)),
        ("网格数", lambda r: r.integer(4, 30)),
        *COORDS,
    ],
    "survey_marks": [
        ("点号", lambda r: r.code("HB", 5)),
        ("点名", lambda r: f"{r.short}{r.any('山 岗 湖 村')}"),
        ("标志类型", lambda r: r.pick(("三角点", "水准点", "GNSS点", "重力点"))),
        ("等级", lambda r: r.pick(("一等", "二等", "三等", "四等", "C级", "D级"))),
        ("所在地", _dist),
        ("大地高(米)", lambda r: r.num(15, 1800, 3)),
        *COORDS,
    ],
    "land_supply": [
        (
            "宗地编号",
            lambda r: (
                f"{r.place.name[:1]}{r.any('P G D')}"
                f"({r.pick((2024, 2025))}){r.integer(1, 180):03d}号"
            ),
        ),
        ("地块位置", _site),
        (
            "土地用途",
            lambda r: r.pick(
                ("住宅用地", "商服用地", "工业用地", "科研用地", "公共管理与公共服务用地")
            ),
        ),
        ("出让面积(平方米)", lambda r: r.num(3000, 200000)),
        ("供地方式", lambda r: r.pick(("挂牌出让", "挂牌出让", "拍卖出让", "划拨"))),
        ("成交价(万元)", lambda r: r.num(0, 300000)),
        ("受让单位", lambda r: r.company()),
        ("签订日期", lambda r: r.date(700)),
    ],
    "power_use": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        (
            "行业",
            lambda r: r.pick(
                ("工业", "建筑业", "批发和零售业", "住宿和餐饮业", "信息传输、软件和信息技术服务业")
            ),
        ),
        ("用电量(万千瓦时)", lambda r: r.num(500, 300000, 1)),
        ("同比增长(%)", lambda r: r.num(-12, 18, 1)),
    ],
    "taxi_ops": [
        ("日期", lambda r: r.day(r.i // 12)),
        ("区域", lambda r: r.place.areas[r.i % len(r.place.areas)][0]),
        ("运营车辆数", lambda r: r.integer(300, 3500)),
        ("载客次数", lambda r: r.integer(5000, 90000)),
        ("平均载客里程(公里)", lambda r: r.num(4, 12, 1)),
        ("实载率(%)", lambda r: r.num(45, 75, 1)),
    ],
    "estate_stats": [
        ("统计月份", _period),
        ("区域", _area_of_period),
        ("首次登记(件)", lambda r: r.integer(100, 6000)),
        ("转移登记(件)", lambda r: r.integer(500, 12000)),
        ("抵押登记(件)", lambda r: r.integer(300, 9000)),
        ("平均办结时间(工作日)", lambda r: r.num(0.5, 5, 1)),
    ],
    "credit_risk": [
        ("统一社会信用代码", lambda r: r.uscc()),
        ("企业名称", lambda r: r.company()),
        (
            "行业",
            lambda r: r.pick(
                ("批发和零售业", "制造业", "建筑业", "住宿和餐饮业", "租赁和商务服务业")
            ),
        ),
        (
            "信用风险等级",
            lambda r: r.pick(
                (
                    "A类(信用风险低)",
                    "A类(信用风险低)",
                    "B类(信用风险一般)",
                    "B类(信用风险一般)",
                    "C类(信用风险较高)",
                    "D类(信用风险高)",
                )
            ),
        ),
        ("分类日期", lambda r: r.date(180)),
    ],
}


@dataclass(frozen=True)
class Spec:
    """A kind of dataset published for one or more places."""

    slug: str
    #: Title and description: ``{place}`` is the place's name.
    title: str
    notes: str
    theme: str
    table: str
    tags: tuple[str, ...]
    #: (place code, publishing department code, rows of the main table)
    where: tuple[tuple[str, str, int], ...]
    frequency: str = "monthly"
    #: The department that produces the data (CKAN's author), ``{place}`` as above.
    author: str = ""
    #: Conditional datasets say what an applicant must agree to.
    conditions: str = ""
    #: The main table's format: "csv" or "xlsx".
    main: str = "csv"
    #: More resources: "xlsx" (the table as Excel), "json" (a sample as JSON), "api" (the
    #: Action API's datastore_search on the main table), "gbk" (the main CSV in GBK, as older
    #: systems export it), or an API path of the platform ("/api/v1/...").
    extra: tuple[str, ...] = ()


def _w(*items: tuple[str, str, int]) -> tuple[tuple[str, str, int], ...]:
    return items


PZ, PS = "42-ZWSJ", "42-SCJG"
WZ, WS, WR, WG = "4201-ZWSJ", "4201-SCJG", "4201-RSJ", "4201-GAJ"
CZ, CS = "420106-ZWSJ", "420106-SCJG"
YS, XS = "4205-SCJG", "4206-SCJG"

SPECS: list[Spec] = [
    # transport
    Spec(
        "bus-lines",
        "{place}公交线路与站点",
        "{place}公交线路的编号、起终点站、首末班时间、票价、线路长度和运营单位。",
        "transport",
        "bus_lines",
        ("公交", "公共交通", "出行"),
        _w(("4201", WZ, 420)),
        "monthly",
        "{place}交通运输局",
        extra=("json", "api"),
    ),
    Spec(
        "bus-stops",
        "{place}公交站点位置",
        "{place}公交站点的编号、名称、途经线路和经纬度坐标。",
        "transport",
        "bus_stops",
        ("公交", "站点", "地理位置"),
        _w(("4201", WZ, 2000)),
        "monthly",
        "{place}交通运输局",
        extra=("api",),
    ),
    Spec(
        "parking",
        "{place}停车场分布",
        "{place}公共停车场、配建停车场和道路停车泊位的位置、泊位数、收费标准和开放时间。",
        "transport",
        "parking",
        ("停车场", "停车", "出行"),
        _w(("4201", WZ, 900), ("420106", CZ, 160)),
        "monthly",
        "{place}交通运输局",
        extra=("xlsx",),
    ),
    Spec(
        "charging",
        "{place}新能源汽车充电桩",
        "{place}新能源汽车公共充电站的位置、运营商、快慢充桩数量和充电价格。",
        "transport",
        "charging",
        ("充电桩", "新能源汽车", "充电站"),
        _w(("4201", WZ, 1100), ("420106", CZ, 120), ("42", PZ, 1500)),
        "monthly",
        "{place}发展和改革委员会",
        extra=("api",),
    ),
    Spec(
        "public-bikes",
        "{place}公共自行车站点",
        "{place}公共自行车租赁站点的位置、锁桩数和投放车辆数。",
        "transport",
        "bikes",
        ("公共自行车", "慢行交通"),
        _w(("4201", WZ, 600)),
        "quarterly",
        "{place}交通运输局",
    ),
    Spec(
        "driving-schools",
        "{place}机动车驾驶员培训机构",
        "{place}驾校的名称、培训车型、教练车数量和质量信誉等级。",
        "transport",
        "driving_schools",
        ("驾校", "驾驶培训"),
        _w(("4201", WZ, 180)),
        "yearly",
        "{place}交通运输局",
    ),
    Spec(
        "traffic-hotspots",
        "{place}交通违法高发路段",
        "{place}各路段按月统计的交通违法类型和数量。",
        "safety",
        "traffic_hotspots",
        ("交通违法", "交通安全"),
        _w(("4201", WG, 600)),
        "monthly",
        "{place}公安局交通管理局",
    ),
    Spec(
        "traffic-accidents",
        "{place}道路交通事故统计",
        "{place}各区按月统计的道路交通事故起数、伤亡人数和直接财产损失。",
        "safety",
        "traffic_accidents",
        ("交通事故", "交通安全", "统计"),
        _w(("4201", WG, 360)),
        "monthly",
        "{place}公安局交通管理局",
        conditions="仅限交通安全研究和规划使用;须注明数据来源,不得用于商业目的,不得公开原始明细。",
    ),
    # environment
    Spec(
        "air-quality-daily",
        "{place}空气质量监测日报",
        "{place}各空气质量监测点位每日的AQI、首要污染物和六项污染物浓度。",
        "environment",
        "air_daily",
        ("空气质量", "AQI", "PM2.5", "环境监测"),
        _w(("4201", WZ, 1800), ("42", PZ, 1950)),
        "daily",
        "{place}生态环境局",
        extra=("json", "api"),
    ),
    Spec(
        "water-quality",
        "{place}地表水水质月报",
        "{place}主要河流、湖泊监测断面每月的水质类别和主要指标。",
        "environment",
        "water_quality",
        ("水质", "地表水", "河湖"),
        _w(("4201", WZ, 420), ("42", PZ, 900)),
        "monthly",
        "{place}生态环境局",
    ),
    Spec(
        "noise",
        "{place}声环境质量监测",
        "{place}声环境功能区和道路交通噪声监测结果。",
        "environment",
        "noise",
        ("噪声", "声环境"),
        _w(("4201", WZ, 300)),
        "quarterly",
        "{place}生态环境局",
    ),
    Spec(
        "key-polluters",
        "{place}重点排污单位名录",
        "{place}重点排污单位的名称、排污许可证编号、行业和重点管理类别。",
        "environment",
        "polluters",
        ("排污许可", "重点排污单位"),
        _w(("42", PZ, 800), ("4201", WZ, 320)),
        "yearly",
        "{place}生态环境局",
        conditions="用于环境治理研究和公众监督;须说明用途,不得用于商业目的。",
        extra=("xlsx",),
    ),
    # health
    Spec(
        "hospitals",
        "{place}医疗机构名录",
        "{place}医院的名称、类别、等级、经营性质、地址、床位数和联系电话。",
        "health",
        "hospitals",
        ("医疗机构", "医院", "就医"),
        _w(("4201", WZ, 420), ("42", PZ, 900), ("420106", CZ, 60)),
        "quarterly",
        "{place}卫生健康委员会",
        extra=("api",),
    ),
    Spec(
        "community-health",
        "{place}社区卫生服务机构",
        "{place}社区卫生服务中心(站)和乡镇卫生院的地址、服务时间和家庭医生团队数。",
        "health",
        "clinics",
        ("社区卫生", "基层医疗", "家庭医生"),
        _w(("4201", WZ, 380), ("420106", CZ, 55)),
        "quarterly",
        "{place}卫生健康委员会",
    ),
    Spec(
        "vaccination-sites",
        "{place}预防接种门诊",
        "{place}预防接种门诊的地址、接种类别和接种时间。",
        "health",
        "vaccination",
        ("疫苗", "预防接种"),
        _w(("4201", WZ, 260)),
        "quarterly",
        "{place}卫生健康委员会",
        extra=("json",),
    ),
    Spec(
        "insurance-points",
        "{place}医保定点医药机构",
        "{place}基本医疗保险定点医疗机构和定点零售药店名单。",
        "health",
        "insurance_points",
        ("医保", "定点药店", "定点医院"),
        _w(("4201", WZ, 1500)),
        "monthly",
        "{place}医疗保障局",
    ),
    Spec(
        "hospital-visits",
        "{place}医疗服务量月度统计",
        "{place}各区医疗机构门急诊人次、出院人数和病床使用率。",
        "health",
        "hospital_visits",
        ("医疗服务", "统计"),
        _w(("4201", WZ, 360)),
        "monthly",
        "{place}卫生健康委员会",
        conditions="用于卫生政策研究;申请时须提交研究方案,成果发表须注明数据来源。",
    ),
    Spec(
        "pharmacies",
        "{place}药品零售企业",
        "{place}药品零售企业的许可证编号、企业负责人、质量负责人、经营方式、经营范围和有效期。",
        "market",
        "pharmacies",
        ("药店", "药品零售", "药品经营许可"),
        _w(("4201", WS, 1600), ("420106", CS, 160), ("4205", YS, 600), ("4206", XS, 520)),
        "monthly",
        "{place}市场监督管理局",
        extra=("api",),
    ),
    Spec(
        "drug-wholesalers",
        "{place}药品批发企业",
        "{place}药品批发企业的许可证编号、经营范围和有效期。",
        "market",
        "pharmacies",
        ("药品批发", "药品经营许可"),
        _w(("42", PS, 300)),
        "quarterly",
        "湖北省药品监督管理局",
    ),
    # education and culture
    Spec(
        "schools",
        "{place}中小学校名录",
        "{place}中小学校的名称、学段、办学性质、地址、班级数、在校生数和专任教师数。",
        "education",
        "schools",
        ("学校", "中小学", "教育"),
        _w(("4201", WZ, 1200), ("420106", CZ, 70)),
        "yearly",
        "{place}教育局",
        extra=("xlsx", "api"),
    ),
    Spec(
        "kindergartens",
        "{place}幼儿园名录",
        "{place}幼儿园的办园性质、等级、地址、班级数和收费标准。",
        "education",
        "kindergartens",
        ("幼儿园", "学前教育"),
        _w(("4201", WZ, 1400), ("420106", CZ, 90)),
        "yearly",
        "{place}教育局",
    ),
    Spec(
        "tutoring",
        "{place}校外培训机构白名单",
        "{place}经审批的校外培训机构名单、培训类别和资金监管银行。",
        "education",
        "tutoring",
        ("校外培训", "培训机构", "白名单"),
        _w(("4201", WZ, 700)),
        "quarterly",
        "{place}教育局",
    ),
    Spec(
        "libraries",
        "{place}公共图书馆及城市书房",
        "{place}公共图书馆、分馆和城市书房的地址、藏书量和开放时间。",
        "education",
        "libraries",
        ("图书馆", "城市书房", "阅读"),
        _w(("4201", WZ, 240)),
        "yearly",
        "{place}文化和旅游局",
    ),
    Spec(
        "universities",
        "{place}普通高等学校名单",
        "{place}普通高等学校的名称、主管部门、办学层次和所在地。",
        "education",
        "universities",
        ("高校", "高等教育"),
        _w(("42", PZ, 130)),
        "yearly",
        "湖北省教育厅",
    ),
    Spec(
        "relics",
        "{place}文物保护单位",
        "{place}文物保护单位的名称、保护级别、类别、时代、地址和公布批次。",
        "education",
        "relics",
        ("文物", "文物保护单位", "历史文化"),
        _w(("42", PZ, 1000), ("4201", WZ, 380), ("420106", CZ, 75)),
        "irregular",
        "{place}文化和旅游局",
        extra=("json",),
    ),
    Spec(
        "museums",
        "{place}博物馆名录",
        "{place}博物馆、纪念馆的性质、质量等级、开放时间和是否免费开放。",
        "education",
        "museums",
        ("博物馆", "纪念馆"),
        _w(("42", PZ, 240)),
        "yearly",
        "湖北省文物局",
    ),
    # social security
    Spec(
        "elderly-homes",
        "{place}养老机构名录",
        "{place}养老机构的性质、床位数、护理型床位数、收费区间和是否医养结合。",
        "social",
        "elderly_homes",
        ("养老机构", "养老", "民政"),
        _w(("4201", WZ, 350), ("420106", CZ, 50), ("42", PZ, 1400)),
        "quarterly",
        "{place}民政局",
        extra=("xlsx",),
    ),
    Spec(
        "elderly-services",
        "{place}社区养老服务设施",
        "{place}社区养老服务综合体、日间照料中心和老年人助餐点。",
        "social",
        "elderly_services",
        ("社区养老", "助餐", "日间照料"),
        _w(("4201", WZ, 900), ("420106", CZ, 130)),
        "quarterly",
        "{place}民政局",
    ),
    Spec(
        "subsistence",
        "{place}城乡最低生活保障统计",
        "{place}各区按月统计的城乡低保户数、人数、保障标准和发放金额。",
        "social",
        "subsistence",
        ("低保", "社会救助", "统计"),
        _w(("4201", WZ, 360)),
        "monthly",
        "{place}民政局",
        conditions="仅限社会救助政策研究;须提交研究方案,成果须注明数据来源。",
    ),
    Spec(
        "si-service-points",
        "{place}社保经办服务网点",
        "{place}社会保险经办和社保卡服务网点的地址、可办业务和办公时间。",
        "social",
        "social_insurance_points",
        ("社保", "社保卡", "服务网点"),
        _w(("4201", WR, 320)),
        "quarterly",
        "{place}人力资源和社会保障局",
        extra=("api",),
    ),
    # employment
    Spec(
        "training-orgs",
        "{place}就业培训机构",
        "{place}承担政府补贴性职业技能培训的机构、培训专业和补贴类别。",
        "employment",
        "training_orgs",
        ("就业培训", "职业技能培训", "补贴"),
        _w(("4201", WR, 260)),
        "quarterly",
        "{place}人力资源和社会保障局",
        extra=("xlsx",),
    ),
    Spec(
        "job-fairs",
        "{place}招聘会信息",
        "{place}公共就业服务机构举办的招聘会的日期、地点、参会单位数和岗位数。",
        "employment",
        "job_fairs",
        ("招聘会", "就业", "岗位"),
        _w(("4201", WR, 240)),
        "weekly",
        "{place}人力资源和社会保障局",
        extra=("json",),
    ),
    Spec(
        "hr-agencies",
        "{place}人力资源服务机构",
        "{place}取得人力资源服务许可的机构、许可证编号和服务范围。",
        "employment",
        "hr_agencies",
        ("人力资源服务", "劳务派遣"),
        _w(("4201", WR, 700)),
        "quarterly",
        "{place}人力资源和社会保障局",
    ),
    Spec(
        "skill-centres",
        "{place}职业技能等级认定机构",
        "{place}备案的职业技能等级认定社会评价组织及认定职业和等级。",
        "employment",
        "skill_centres",
        ("职业技能等级认定", "技能人才"),
        _w(("4201", WR, 160)),
        "quarterly",
        "{place}人力资源和社会保障局",
    ),
    Spec(
        "startup-bases",
        "{place}创业孵化和就业见习基地",
        "{place}认定的创业孵化基地和就业见习基地及其带动就业情况。",
        "employment",
        "incubators_jobs",
        ("创业孵化", "就业见习", "高校毕业生"),
        _w(("4201", WR, 140)),
        "yearly",
        "{place}人力资源和社会保障局",
    ),
    Spec(
        "labour-arbitration",
        "{place}劳动人事争议仲裁案件统计",
        "{place}各区按月统计的劳动人事争议仲裁受理和结案情况。",
        "employment",
        "arbitration",
        ("劳动仲裁", "劳动关系"),
        _w(("4201", WR, 360)),
        "monthly",
        "{place}劳动人事争议仲裁委员会",
        conditions="用于劳动关系研究;不得试图识别具体当事人,须注明数据来源。",
    ),
    # market supervision
    Spec(
        "enterprises",
        "{place}企业登记信息(公示)",
        "{place}企业的统一社会信用代码、名称、类型、法定代表人、注册资本、成立日期、住所和登记状态(依据《企业信息公示暂行条例》公示)。",
        "market",
        "enterprises",
        ("企业登记", "市场主体", "公示"),
        _w(
            ("4201", WS, 2000),
            ("42", PS, 2000),
            ("420106", CS, 900),
            ("4205", YS, 1500),
            ("4206", XS, 1500),
        ),
        "daily",
        "{place}市场监督管理局",
        extra=("api",),
    ),
    Spec(
        "sole-traders",
        "{place}个体工商户登记信息",
        "{place}个体工商户的字号名称、经营者、组成形式和经营场所。",
        "market",
        "sole_traders",
        ("个体工商户", "市场主体"),
        _w(("420106", CS, 1200), ("4205", YS, 1200), ("4206", XS, 1000)),
        "weekly",
        "{place}市场监督管理局",
    ),
    Spec(
        "food-licences",
        "{place}食品经营许可信息",
        "{place}食品经营许可证的编号、经营者、主体业态、经营项目和有效期。",
        "market",
        "food_licences",
        ("食品经营许可", "食品安全"),
        _w(("4201", WS, 1800), ("420106", CS, 400), ("4205", YS, 800), ("4206", XS, 700)),
        "weekly",
        "{place}市场监督管理局",
    ),
    Spec(
        "catering-grades",
        "{place}餐饮服务食品安全等级公示",
        "{place}餐饮服务单位的食品安全量化分级(动态等级和年度等级)。",
        "market",
        "catering_grades",
        ("餐饮", "食品安全", "量化分级"),
        _w(("420106", CS, 500), ("4201", WS, 1600)),
        "monthly",
        "{place}市场监督管理局",
    ),
    Spec(
        "special-equipment",
        "{place}特种设备使用登记信息",
        "{place}电梯、锅炉、压力容器等特种设备的使用单位、设备代码、安装地点和下次检验日期。",
        "market",
        "special_equipment",
        ("特种设备", "电梯", "安全"),
        _w(("4201", WS, 1500), ("4205", YS, 600), ("4206", XS, 600)),
        "monthly",
        "{place}市场监督管理局",
        conditions="用于特种设备安全研究和维保服务;不得用于营销,须签署数据使用承诺书。",
    ),
    Spec(
        "product-spot-checks",
        "{place}产品质量监督抽查结果",
        "{place}产品质量监督抽查的产品、受检单位、抽查结果和检验机构。",
        "market",
        "spot_checks",
        ("产品质量", "监督抽查"),
        _w(("42", PS, 900), ("4201", WS, 500), ("4206", XS, 200)),
        "quarterly",
        "{place}市场监督管理局",
        extra=("xlsx",),
    ),
    Spec(
        "food-checks",
        "{place}食品安全监督抽检信息",
        "{place}食品安全监督抽检的样品、被抽样单位、检验结果和不合格项目。",
        "market",
        "food_checks",
        ("食品安全", "抽检"),
        _w(("4201", WS, 1300), ("420106", CS, 260), ("4205", YS, 500)),
        "monthly",
        "{place}市场监督管理局",
    ),
    Spec(
        "penalties",
        "{place}行政处罚信息公示",
        "{place}市场监管行政处罚决定书文号、当事人、违法行为类型、处罚种类和金额。",
        "market",
        "penalties",
        ("行政处罚", "信用公示"),
        _w(("4201", WS, 800), ("420106", CS, 150), ("4205", YS, 300), ("4206", XS, 300)),
        "weekly",
        "{place}市场监督管理局",
    ),
    Spec(
        "farm-prices",
        "{place}农产品价格监测",
        "{place}主要农产品和副食品每周的最低价、最高价和平均价。",
        "agriculture",
        "prices",
        ("农产品价格", "菜价", "价格监测"),
        _w(("4201", WS, 624), ("4205", YS, 312), ("4206", XS, 312)),
        "weekly",
        "{place}市场监督管理局",
        extra=("json",),
    ),
    Spec(
        "testing-labs",
        "{place}检验检测机构名录",
        "{place}取得资质认定的检验检测机构的证书编号、检验检测领域和有效期。",
        "market",
        "labs",
        ("检验检测", "资质认定"),
        _w(("42", PS, 1200), ("4205", YS, 200)),
        "quarterly",
        "{place}市场监督管理局",
    ),
    Spec(
        "farm-markets",
        "{place}农贸市场名录",
        "{place}农贸市场的地址、摊位数、开办单位和标准化改造情况。",
        "market",
        "farm_markets",
        ("农贸市场", "菜市场"),
        _w(("420106", CS, 60), ("4205", YS, 150), ("4206", XS, 140)),
        "yearly",
        "{place}市场监督管理局",
    ),
    Spec(
        "chemicals-permits",
        "{place}危险化学品经营许可企业",
        "{place}取得危险化学品经营许可证的企业、许可范围和经营方式。",
        "safety",
        "chemicals",
        ("危险化学品", "安全生产"),
        _w(("42", PZ, 700), ("4205", YS, 260)),
        "quarterly",
        "{place}应急管理局",
        conditions="仅用于安全生产监管研究和应急管理;不得公开企业储存地点明细。",
    ),
    # finance
    Spec(
        "budget",
        "{place}一般公共预算支出表",
        "{place}本级一般公共预算支出按功能分类科目的预算数、上年执行数和增减。",
        "finance",
        "budget",
        ("财政预算", "预算公开", "财政"),
        _w(("42", PZ, 72), ("4201", WZ, 72), ("420106", CZ, 72)),
        "yearly",
        "{place}财政局",
        main="xlsx",
    ),
    Spec(
        "procurement",
        "{place}政府采购结果公告",
        "{place}政府采购项目的编号、名称、采购单位、采购方式、预算金额和中标(成交)结果。",
        "finance",
        "procurement",
        ("政府采购", "中标", "招投标"),
        _w(("42", PZ, 1800), ("4201", WZ, 1200), ("420106", CZ, 200)),
        "weekly",
        "{place}财政局",
        extra=("api",),
    ),
    Spec(
        "special-bonds",
        "{place}地方政府债券发行信息",
        "{place}地方政府一般债券和专项债券的发行金额、期限、利率和对应项目。",
        "finance",
        "bonds",
        ("政府债券", "专项债"),
        _w(("42", PZ, 400)),
        "quarterly",
        "湖北省财政厅",
        main="xlsx",
    ),
    Spec(
        "tax-revenue",
        "{place}财政收入月度统计",
        "{place}各地按月统计的一般公共预算收入和主要税种收入。",
        "finance",
        "tax_revenue",
        ("财政收入", "税收", "统计"),
        _w(("4201", WZ, 360), ("42", PZ, 390)),
        "monthly",
        "{place}财政局",
    ),
    # economy
    Spec(
        "gdp",
        "{place}地区生产总值(季度)",
        "{place}各地按季度的地区生产总值和三次产业增加值。",
        "economy",
        "gdp",
        ("GDP", "地区生产总值", "统计"),
        _w(("42", PZ, 494), ("4201", WZ, 456)),
        "quarterly",
        "{place}统计局",
        extra=("xlsx", "json"),
    ),
    Spec(
        "retail-sales",
        "{place}社会消费品零售总额",
        "{place}各地按月统计的社会消费品零售总额及增速。",
        "economy",
        "retail",
        ("消费", "零售", "统计"),
        _w(("42", PZ, 390), ("4201", WZ, 360)),
        "monthly",
        "{place}统计局",
    ),
    Spec(
        "key-projects",
        "{place}重点建设项目",
        "{place}年度重点建设项目的建设单位、地点、总投资、年度计划投资和建设状态。",
        "economy",
        "projects",
        ("重点项目", "投资", "建设"),
        _w(("42", PZ, 600), ("4201", WZ, 450)),
        "yearly",
        "{place}发展和改革委员会",
    ),
    Spec(
        "foreign-trade",
        "{place}进出口统计",
        "{place}按月、按贸易方式统计的进出口额。",
        "economy",
        "trade",
        ("进出口", "外贸"),
        _w(("42", PZ, 90)),
        "monthly",
        "武汉海关",
    ),
    Spec(
        "industrial-parks",
        "{place}开发区(园区)名录",
        "{place}各类开发区和产业园区的级别、主导产业、规划面积和入驻企业数。",
        "economy",
        "parks_industrial",
        ("开发区", "产业园区"),
        _w(("42", PZ, 150)),
        "yearly",
        "湖北省商务厅",
    ),
    # agriculture
    Spec(
        "coops",
        "{place}农民专业合作社名录",
        "{place}农民专业合作社的名称、成员数、主营产品和示范社级别。",
        "agriculture",
        "coops",
        ("合作社", "农业", "乡村振兴"),
        _w(("42", PZ, 1600), ("4201", WZ, 500)),
        "yearly",
        "{place}农业农村厅",
        extra=("xlsx",),
    ),
    Spec(
        "family-farms",
        "{place}示范家庭农场名录",
        "{place}认定的示范家庭农场的经营类型、经营面积和主要产品。",
        "agriculture",
        "family_farms",
        ("家庭农场", "新型农业经营主体"),
        _w(("42", PZ, 1200), ("4205", YS, 300)),
        "yearly",
        "{place}农业农村局",
    ),
    Spec(
        "farm-output",
        "{place}主要农产品产量",
        "{place}各地历年粮食、油料、水产品产量和生猪出栏。",
        "agriculture",
        "crops",
        ("粮食产量", "农业统计"),
        _w(("42", PZ, 130), ("4201", WZ, 120)),
        "yearly",
        "{place}统计局",
    ),
    # urban and housing
    Spec(
        "public-toilets",
        "{place}公共厕所",
        "{place}城市公共厕所的类别、地址、开放时间、无障碍设施和第三卫生间。",
        "urban",
        "toilets",
        ("公厕", "公共厕所", "环卫"),
        _w(("4201", WZ, 1900), ("420106", CZ, 180)),
        "quarterly",
        "{place}城市管理执法委员会",
        extra=("json", "api"),
    ),
    Spec(
        "parks",
        "{place}公园名录",
        "{place}综合公园、社区公园和游园的类型、面积和开放时间。",
        "urban",
        "parks",
        ("公园", "绿地", "休闲"),
        _w(("4201", WZ, 700), ("420106", CZ, 60)),
        "yearly",
        "{place}园林和林业局",
    ),
    Spec(
        "presale-permits",
        "{place}商品房预售许可信息",
        "{place}商品房预售许可证号、项目、开发企业、预售套数和面积。",
        "urban",
        "presale",
        ("商品房", "预售许可", "房地产"),
        _w(("4201", WZ, 900), ("4205", YS, 200), ("4206", XS, 200)),
        "weekly",
        "{place}住房和城市更新局",
    ),
    Spec(
        "building-permits",
        "{place}建筑工程施工许可信息",
        "{place}建筑工程施工许可证的编号、工程名称、建设和施工单位、合同价格和建筑面积。",
        "urban",
        "construction_permits",
        ("施工许可", "建筑工程"),
        _w(("4201", WZ, 1000)),
        "weekly",
        "{place}城乡建设局",
    ),
    Spec(
        "affordable-housing",
        "{place}保障性住房项目",
        "{place}保障性租赁住房和公共租赁住房项目的房源、套数、户型面积和租金标准。",
        "urban",
        "affordable_housing",
        ("保障性住房", "公租房", "租赁住房"),
        _w(("4201", WZ, 220)),
        "quarterly",
        "{place}住房和城市更新局",
        extra=("xlsx",),
    ),
    Spec(
        "property-firms",
        "{place}物业服务企业名录",
        "{place}物业服务企业的统一社会信用代码、在管项目数和信用等级。",
        "urban",
        "property_firms",
        ("物业", "物业服务"),
        _w(("4201", WZ, 1400), ("420106", CZ, 200)),
        "quarterly",
        "{place}住房和城市更新局",
    ),
    # public safety
    Spec(
        "police-stations",
        "{place}公安派出所",
        "{place}公安派出所的地址、户籍窗口办公时间和值班电话。",
        "safety",
        "police_stations",
        ("派出所", "户籍", "公安"),
        _w(("4201", WG, 230), ("420106", CZ, 55)),
        "yearly",
        "{place}公安局",
    ),
    Spec(
        "exit-entry",
        "{place}出入境业务受理点",
        "{place}出入境证件受理点和自助办证点的地址、受理业务和办公时间。",
        "safety",
        "exit_entry",
        ("出入境", "护照", "港澳通行证"),
        _w(("4201", WG, 80)),
        "irregular",
        "{place}公安局出入境管理局",
    ),
    Spec(
        "vehicle-inspection",
        "{place}机动车检验机构",
        "{place}机动车安全技术检验机构的地址、检测线数和可检车型。",
        "safety",
        "vehicle_inspection",
        ("机动车检验", "年检"),
        _w(("4201", WG, 120)),
        "quarterly",
        "{place}公安局交通管理局",
    ),
    Spec(
        "fire-stations",
        "{place}消防救援站",
        "{place}消防救援站的站级、地址、消防车数量和辖区面积。",
        "safety",
        "fire_stations",
        ("消防", "应急救援"),
        _w(("4201", WG, 110)),
        "yearly",
        "{place}消防救援支队",
    ),
    Spec(
        "shelters",
        "{place}应急避难场所",
        "{place}应急避难场所的类型、有效避难面积、可容纳人数和主要设施。",
        "safety",
        "shelters",
        ("应急避难场所", "应急管理"),
        _w(("4201", WZ, 300), ("420106", CZ, 50), ("42", PZ, 800)),
        "yearly",
        "{place}应急管理局",
        extra=("json",),
    ),
    Spec(
        "police-call-stats",
        "{place}110接处警统计",
        "{place}各区按月统计的110接警量和类别(明细不公开)。",
        "safety",
        "hotline_stats",
        ("110", "接处警", "统计"),
        _w(("4201", WG, 360)),
        "monthly",
        "{place}公安局",
        conditions="仅限公共安全研究;须提交研究计划和保密承诺,不得二次公开。",
    ),
    # science
    Spec(
        "high-tech",
        "{place}高新技术企业名单",
        "{place}认定的高新技术企业的证书编号、技术领域和认定年份。",
        "science",
        "high_tech",
        ("高新技术企业", "科技"),
        _w(("42", PZ, 2000), ("4201", WZ, 1600)),
        "yearly",
        "{place}科学技术厅",
        extra=("api",),
    ),
    Spec(
        "incubators",
        "{place}科技企业孵化器和众创空间",
        "{place}科技企业孵化器、众创空间和大学科技园的级别、运营机构、面积和在孵企业数。",
        "science",
        "incubators",
        ("孵化器", "众创空间", "创新创业"),
        _w(("42", PZ, 450)),
        "yearly",
        "湖北省科学技术厅",
    ),
    Spec(
        "patents",
        "{place}专利和技术合同统计",
        "{place}各地历年专利授权量、高价值发明专利拥有量和技术合同成交额。",
        "science",
        "patents",
        ("专利", "知识产权", "技术合同"),
        _w(("42", PZ, 130), ("4201", WZ, 120)),
        "yearly",
        "{place}知识产权局",
    ),
    # tourism
    Spec(
        "scenic-spots",
        "{place}A级旅游景区",
        "{place}A级旅游景区的等级、地址、门票价格、开放时间和最大承载量。",
        "tourism",
        "scenic",
        ("旅游景区", "A级景区", "旅游"),
        _w(("42", PZ, 480), ("4201", WZ, 70), ("4205", YS, 60)),
        "quarterly",
        "{place}文化和旅游局",
        extra=("json", "api"),
    ),
    Spec(
        "hotels",
        "{place}星级饭店名录",
        "{place}星级饭店的星级、地址、客房数和联系电话。",
        "tourism",
        "hotels",
        ("星级饭店", "酒店", "住宿"),
        _w(("42", PZ, 320), ("4201", WZ, 120)),
        "yearly",
        "{place}文化和旅游局",
    ),
    Spec(
        "travel-agencies",
        "{place}旅行社名录",
        "{place}旅行社的许可证号、经营范围和质量保证金。",
        "tourism",
        "travel_agencies",
        ("旅行社", "旅游"),
        _w(("42", PZ, 1300), ("4201", WZ, 800)),
        "quarterly",
        "{place}文化和旅游局",
    ),
    Spec(
        "sports-venues",
        "{place}体育场馆",
        "{place}体育场、体育馆、游泳馆和全民健身中心的面积、座位数、开放时间和免费低收费开放情况。",
        "tourism",
        "sports_venues",
        ("体育场馆", "全民健身", "运动"),
        _w(("4201", WZ, 400), ("420106", CZ, 60)),
        "yearly",
        "{place}体育局",
        extra=("xlsx",),
    ),
    Spec(
        "visitor-stats",
        "{place}旅游接待统计",
        "{place}各地按月统计的接待游客人次和旅游收入。",
        "tourism",
        "visitors",
        ("旅游统计", "游客"),
        _w(("42", PZ, 390), ("4201", WZ, 360)),
        "monthly",
        "{place}文化和旅游局",
    ),
    # government
    Spec(
        "service-items",
        "{place}政务服务事项目录",
        "{place}政务服务事项的编码、名称、类型、实施主体、办结时限、是否收费和网办深度。",
        "government",
        "service_items",
        ("政务服务", "办事指南", "事项目录"),
        _w(("42", PZ, 2000), ("4201", WZ, 1500), ("420106", CZ, 600)),
        "monthly",
        "{place}政务服务和大数据管理局",
        extra=("/api/v1/catalog/search", "xlsx"),
    ),
    Spec(
        "service-centres",
        "{place}政务服务中心和便民服务中心",
        "{place}各级政务服务中心、街道和社区便民服务中心的地址、窗口数、进驻事项数和办公时间。",
        "government",
        "service_centres",
        ("政务服务中心", "便民服务", "办事大厅"),
        _w(("4201", WZ, 260), ("420106", CZ, 150)),
        "quarterly",
        "{place}政务服务和大数据管理局",
        extra=("/api/v1/catalog/life-events",),
    ),
    Spec(
        "hotline-stats",
        "{place}12345政务服务便民热线月度统计",
        "{place}12345热线按月、按区统计的受理量、诉求类别、按时办结率和满意率。",
        "government",
        "hotline_stats",
        ("12345", "热线", "诉求"),
        _w(("4201", WZ, 360)),
        "monthly",
        "{place}政务服务和大数据管理局",
        extra=("json",),
    ),
    Spec(
        "hotline-orders",
        "{place}12345热线工单(脱敏)",
        "{place}12345热线工单的受理时间、诉求类别、诉求摘要、承办单位和办结状态,已去除诉求人信息。",
        "government",
        "hotline_orders",
        ("12345", "工单", "城市治理"),
        _w(("4201", WZ, 2000)),
        "daily",
        "{place}政务服务和大数据管理局",
        conditions="仅用于城市治理研究;须签署数据安全承诺,不得尝试识别诉求人,成果须注明数据来源。",
    ),
    Spec(
        "social-orgs",
        "{place}社会组织名录",
        "{place}登记的社会团体、民办非企业单位和基金会。",
        "government",
        "social_orgs",
        ("社会组织", "社团", "民政"),
        _w(("42", PZ, 1100), ("4201", WZ, 900), ("420106", CZ, 120)),
        "quarterly",
        "{place}民政局",
    ),
    Spec(
        "public-institutions",
        "{place}事业单位法人名录",
        "{place}事业单位的统一社会信用代码、举办单位、经费来源和开办资金。",
        "government",
        "public_institutions",
        ("事业单位", "机构"),
        _w(("4201", WZ, 600)),
        "yearly",
        "{place}事业单位登记管理局",
    ),
    # geography
    Spec(
        "place-names",
        "{place}标准地名",
        "{place}道路、街巷、桥梁、广场等标准地名的类别、拼写、命名时间和含义。",
        "geography",
        "place_names",
        ("地名", "标准地名", "道路"),
        _w(("4201", WZ, 1800), ("420106", CZ, 300)),
        "irregular",
        "{place}民政局",
        extra=("api",),
    ),
    Spec(
        "communities",
        "{place}社区(村)名录",
        "{place}社区(村)的所属街道、居委会地址、户数、常住人口和网格数。",
        "geography",
        "communities",
        ("社区", "街道", "网格"),
        _w(("4201", WZ, 1500), ("420106", CZ, 145)),
        "yearly",
        "{place}民政局",
        conditions="用于基层治理和公共服务规划;须说明用途并承诺不用于商业营销。",
        extra=("xlsx",),
    ),
    Spec(
        "survey-marks",
        "{place}测量标志",
        "{place}永久性测量标志的点号、类型、等级和坐标(概略位置)。",
        "geography",
        "survey_marks",
        ("测量标志", "测绘"),
        _w(("42", PZ, 900)),
        "irregular",
        "湖北省自然资源厅",
        conditions="仅限测绘、工程建设和科研单位使用;须具备测绘资质或说明用途,不得公开精确坐标。",
    ),
    Spec(
        "land-supply",
        "{place}国有建设用地供应结果",
        "{place}国有建设用地出让和划拨的宗地编号、位置、用途、面积、成交价和受让单位。",
        "geography",
        "land_supply",
        ("土地供应", "土地出让"),
        _w(("4201", WZ, 700), ("4205", YS, 180)),
        "monthly",
        "{place}自然资源和规划局",
    ),
    Spec(
        "power-use",
        "{place}分行业用电量统计",
        "{place}各地按月、按行业统计的全社会用电量。",
        "economy",
        "power_use",
        ("用电量", "能源", "统计"),
        _w(("42", PZ, 780), ("4201", WZ, 720)),
        "monthly",
        "国网{place}电力有限公司",
        conditions="用于经济运行分析和能源研究;须签署数据使用协议,不得转售。",
    ),
    Spec(
        "taxi-operations",
        "{place}巡游出租汽车运营日报",
        "{place}各区巡游出租汽车每日运营车辆数、载客次数、平均载客里程和实载率。",
        "transport",
        "taxi_ops",
        ("出租车", "客运", "出行"),
        _w(("4201", WZ, 1440)),
        "daily",
        "{place}交通运输局",
        conditions="用于交通规划和出行研究;须提交研究方案,不得用于商业营运调度。",
    ),
    Spec(
        "estate-registration",
        "{place}不动产登记业务统计",
        "{place}各区按月统计的不动产首次、转移和抵押登记件数及平均办结时间。",
        "urban",
        "estate_stats",
        ("不动产登记", "统计"),
        _w(("4201", WZ, 360)),
        "monthly",
        "{place}自然资源和规划局",
        conditions="用于房地产市场研究;须说明用途,成果须注明数据来源。",
    ),
    Spec(
        "credit-risk",
        "{place}企业信用风险分类结果",
        "{place}企业信用风险分类管理的结果(A、B、C、D类)。",
        "market",
        "credit_risk",
        ("信用风险", "信用监管", "企业信用"),
        _w(("4201", WS, 1800), ("4205", YS, 700), ("4206", XS, 650)),
        "quarterly",
        "{place}市场监督管理局",
        conditions="仅限金融机构、行业协会和研究机构用于风险防控;须签署保密承诺,不得公开传播。",
    ),
]


@dataclass(frozen=True)
class Entry:
    """One dataset to publish: a spec in a place."""

    spec: Spec
    place: Place
    department: str
    rows: int
    name: str
    title: str
    notes: str
    author: str
    licence: str
    resources: tuple[str, ...] = field(default=())


#: Licences by share: most datasets under the government licence, the rest spread.
_LICENCES = (
    "gov-open",
    "cc-by-4.0",
    "gov-open",
    "odc-by",
    "cc-by-4.0",
    "gov-open",
    "cc-by-sa-4.0",
    "cc-zero",
    "gov-open",
    "odc-odbl",
    "odc-pddl",
)

#: Datasets whose main table keeps its full size; the others are generated at a third of the
#: size their spec gives, which keeps the demo quick (at least 50 rows each all the same).
FULL_SIZE = {
    "wuhan-bus-stops",
    "wuhan-enterprises",
    "wuhan-hotline-orders",
    "hubei-service-items",
    "hubei-high-tech",
    "hubei-air-quality-daily",
}

#: A few main CSV files are written in GBK, as older county systems still export them.
GBK = {"yichang-enterprises", "xiangyang-pharmacies", "wuchang-sole-traders", "yichang-penalties"}


def entries() -> Iterator[Entry]:
    """Every dataset of the demo, in a fixed order."""
    n = 0
    for spec in SPECS:
        for place_code, department, rows in spec.where:
            place = PLACES[place_code]
            name = f"{place.slug}-{spec.slug}"
            main = "gbk" if name in GBK else spec.main
            resources = (main, *spec.extra)
            yield Entry(
                spec=spec,
                place=place,
                department=department,
                rows=max(50, min(rows if name in FULL_SIZE else rows // 3, 2000)),
                name=name,
                title=spec.title.format(place=place.name),
                notes=spec.notes.format(place=place.name),
                author=spec.author.format(place=place.name) if spec.author else "",
                licence=_LICENCES[n % len(_LICENCES)],
                resources=resources[:3],
            )
            n += 1


def rows(entry: Entry, count: int, *, seed: str = "") -> tuple[list[str], Iterator[list[Any]]]:
    """The header and ``count`` generated rows of ``entry``'s table (seeded by its name)."""
    columns = TABLES[entry.spec.table]
    rng = random.Random(f"{entry.name}:{seed}")  # noqa: S311 (demo data, not secrets)

    def generate() -> Iterator[list[Any]]:
        for i in range(count):
            row = Row(rng, i, entry.place)
            yield [value(row) for _label, value in columns]

    return [label for label, _value in columns], generate()
