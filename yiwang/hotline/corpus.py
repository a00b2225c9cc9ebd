"""The labelled corpus of citizen requests that trains and measures the routing classifier.

The project writes it itself (no real requests are used): :func:`generate` composes each row
from the situations of :mod:`yiwang.hotline.corpus_templates` (what callers say about each
topic, with alternatives for every phrase) and fills slots for the district, road, estate,
shop, hospital, time, duration and amount. Around it, a request gets the way people talk to a
hotline: a phone opener with fillers, a web form's bare sentence, a place, a time, what they
did already and what they want; some rows mention a second (usually neighbouring) topic in
passing, some are written in Wuhan dialect (么样, 冇得, 伢), some carry typos (反应 for 反映,
拉圾 for 垃圾). The same seed gives the same rows; ``fixtures/corpus.jsonl`` is the committed
output (``yiwang hotline corpus`` rewrites it). docs/hotline.md ("Corpus") tells more.

The held-out split is fixed by a seeded hash of each row's id (20%), so it never changes when
rows are added. Each row also names its situation (``template``): :func:`template_held_out`
splits by situation instead, to measure the classifier on phrasings it never saw.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from yiwang.hotline import taxonomy
from yiwang.hotline.corpus_templates import AMBIGUOUS, SITUATIONS

CORPUS_PATH = Path(__file__).parent / "fixtures" / "corpus.jsonl"
SEED = 12345
DEFAULT_SIZE = 4000
SPLIT_SEED = "yiwang-hotline-split-1"
HELD_OUT_PERCENT = 20
#: Share of a topic's rows worded ambiguously (when it has ambiguous situations).
AMBIGUOUS_SHARE = 0.12

CATEGORIES = {
    "Q": "consultation",
    "C": "complaint",
    "R": "report",
    "S": "suggestion",
    "H": "help",
    "P": "praise",
}


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    category: str
    topic: str
    department: str
    region: str
    template: str


# --- Split ------------------------------------------------------------------------------------


def _bucket(key: str) -> int:
    digest = hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest()
    return int(digest[:8], 16) % 100


def is_held_out(row_id: str) -> bool:
    """Whether a row belongs to the held-out 20% (a seeded hash of its id)."""
    return _bucket(row_id) < HELD_OUT_PERCENT


def template_held_out(template: str) -> bool:
    """The harder split: whether a whole situation is held out (its rows never trained)."""
    return _bucket(f"template:{template}") < HELD_OUT_PERCENT


def split(rows: Iterable[Row], *, by: str = "row") -> tuple[list[Row], list[Row]]:
    """(training, held-out) rows; ``by`` is ``row`` (the official split) or ``template``."""
    if by not in {"row", "template"}:
        raise ValueError(f"unknown split {by!r}")
    train: list[Row] = []
    held: list[Row] = []
    for row in rows:
        out = is_held_out(row.id) if by == "row" else template_held_out(row.template)
        (held if out else train).append(row)
    return train, held


# --- Reading and writing ----------------------------------------------------------------------


def load(path: Path | None = None) -> list[Row]:
    """The corpus rows of a JSON-lines file (the committed corpus by default)."""
    rows: list[Row] = []
    with (path or CORPUS_PATH).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                rows.append(Row(**{name: str(data[name]) for name in Row.__dataclass_fields__}))
            except (ValueError, KeyError, TypeError) as error:
                message = f"{path or CORPUS_PATH}:{number}: not a corpus row ({error})"
                raise ValueError(message) from None
    return rows


def dumps(rows: Iterable[Row]) -> str:
    return "".join(json.dumps(asdict(row), ensure_ascii=False) + "\n" for row in rows)


def write(path: Path, rows: Iterable[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(rows), encoding="utf-8")


# --- Slots ------------------------------------------------------------------------------------

#: code → (district, streets, roads). Real names of Wuhan's districts, streets and roads.
DISTRICTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "420102": (
        "江岸区",
        ("后湖街道", "百步亭花园社区", "球场街道", "二七街道", "台北街道", "永清街道"),
        ("解放大道", "中山大道", "二七路", "后湖大道", "沿江大道", "塔子湖东路"),
    ),
    "420103": (
        "江汉区",
        ("唐家墩街道", "万松街道", "常青街道", "汉兴街道", "北湖街道"),
        ("江汉路", "新华路", "建设大道", "常青路", "青年路", "菱角湖路"),
    ),
    "420104": (
        "硚口区",
        ("宝丰街道", "古田街道", "韩家墩街道", "汉正街道", "易家街道"),
        ("古田二路", "汉西一路", "解放大道", "京汉大道", "长丰大道", "宝丰路"),
    ),
    "420105": (
        "汉阳区",
        ("四新街道", "江堤街道", "琴断口街道", "建桥街道", "洲头街道"),
        ("龙阳大道", "汉阳大道", "鹦鹉大道", "拦江路", "四新大道", "王家湾"),
    ),
    "420106": (
        "武昌区",
        ("徐家棚街道", "中南路街道", "积玉桥街道", "白沙洲街道", "南湖街道", "杨园街道"),
        ("武珞路", "中北路", "和平大道", "友谊大道", "中南路", "武车路"),
    ),
    "420107": (
        "青山区",
        ("红卫路街道", "钢都花园管委会", "冶金街道", "工人村街道", "青山镇街道"),
        ("和平大道", "冶金大道", "建设一路", "工业路", "友谊大道"),
    ),
    "420111": (
        "洪山区",
        ("青菱街道", "和平街道", "洪山街道", "狮子山街道", "张家湾街道", "珞南街道"),
        ("珞喻路", "雄楚大道", "白沙洲大道", "青菱路", "南湖大道", "街道口"),
    ),
    "420112": (
        "东西湖区",
        ("吴家山街道", "金银湖街道", "径河街道", "将军路街道", "走马岭街道"),
        ("吴家山四明路", "金银湖路", "东吴大道", "临空港大道", "走马岭路"),
    ),
    "420113": (
        "汉南区",
        ("纱帽街道", "邓南街道", "东荆街道", "湘口街道"),
        ("兴城大道", "汉南大道", "纱帽正街", "通江路"),
    ),
    "420114": (
        "蔡甸区",
        ("蔡甸街道", "奓山街道", "永安街道", "大集街道", "索河街道"),
        ("知音湖大道", "蔡甸大街", "中法大道", "汉阳大街"),
    ),
    "420115": (
        "江夏区",
        ("纸坊街道", "藏龙岛街道", "庙山街道", "郑店街道", "五里界街道"),
        ("文化大道", "江夏大道", "熊廷弼路", "谭鑫培路", "藏龙大道"),
    ),
    "420116": (
        "黄陂区",
        ("前川街道", "盘龙城经济开发区", "横店街道", "滠口街道", "武湖街道"),
        ("黄陂大道", "川龙大道", "盘龙大道", "巨龙大道", "汉口北大道"),
    ),
    "420117": (
        "新洲区",
        ("邾城街道", "阳逻街道", "仓埠街道", "汪集街道"),
        ("新洲大街", "阳逻大道", "齐安大道", "问津大道"),
    ),
}

#: Districts by how many requests they send (the central districts call more).
DISTRICT_WEIGHTS = {
    "420102": 12,
    "420103": 9,
    "420104": 8,
    "420105": 8,
    "420106": 12,
    "420107": 6,
    "420111": 14,
    "420112": 6,
    "420113": 2,
    "420114": 4,
    "420115": 7,
    "420116": 7,
    "420117": 5,
}

ESTATES = (
    "幸福家园",
    "锦绣华庭",
    "阳光花园",
    "滨江苑",
    "翠柳苑",
    "和谐嘉园",
    "金色港湾",
    "东方明珠花园",
    "怡和新城",
    "书香门第",
    "长江明珠",
    "丽岛花园",
    "南湖雅苑",
    "星光大道小区",
    "职工宿舍",
    "还建小区",
    "电厂宿舍",
    "铁路新村",
    "紫荆苑",
    "万家灯火小区",
)
SHOPS = (
    "楼下那家店",
    "路口的小饭馆",
    "一家烧烤店",
    "好邻居超市",
    "张记热干面馆",
    "一家便利店",
    "那家水果店",
    "一家美发店",
    "一家五金店",
    "小区门口的餐馆",
    "那家足浴店",
    "一家连锁药房",
    "隔壁的小卖部",
    "一家健身会所",
    "一家洗车店",
)
HOSPITALS = (
    "市中心医院",
    "协和医院",
    "同济医院",
    "中南医院",
    "省人民医院",
    "市第一医院",
    "区人民医院",
    "社区卫生服务中心",
    "妇幼保健院",
    "一家民营医院",
)
SCENIC = (
    "黄鹤楼",
    "东湖绿道",
    "户部巷",
    "木兰天池",
    "归元寺",
    "江汉路步行街",
    "欢乐谷",
    "汉口江滩",
    "昙华林",
    "木兰草原",
)
SCHOOL_KINDS = ("小学", "中学", "实验小学", "第二初级中学", "幼儿园")
DURATIONS = (
    "一个多月",
    "两三天",
    "半个月",
    "一个星期",
    "好几天",
    "三个月",
    "快一年了",
    "两个多星期",
    "十来天",
)
AMOUNTS = (
    "三千多块",
    "1200元",
    "两万多",
    "5000块钱",
    "八百块",
    "6800元",
    "好几千",
    "一万二",
    "四百多",
    "三万",
)
SMALL_NUMBERS = ("两", "三", "四", "五", "六", "好几", "2", "3", "十几")
HOURS = ("十一", "十二", "1", "2", "凌晨三", "10", "十", "11")
METRO_LINES = ("1", "2", "3", "4", "6", "7", "8", "11", "16", "19")


# --- Composition ------------------------------------------------------------------------------

_ALTERNATIVE = re.compile(r"\{([^{}]*)\}")
_SLOT = re.compile(r"<([a-z]+)>")

#: Neighbouring topics: a mixed request mentions one of these in passing more often.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "0101": ("0103", "0102", "1302", "0503", "0203"),
    "0102": ("0101", "1101", "0104"),
    "0103": ("0101", "0102"),
    "0104": ("0105", "0101", "0503"),
    "0105": ("0104", "0901"),
    "0106": ("0301", "0204", "0206", "0203"),
    "0201": ("0204", "0203", "0403"),
    "0202": ("1401", "1302", "0106"),
    "0203": ("1101", "0201", "0101"),
    "0204": ("0301", "0201", "0302"),
    "0205": ("1301", "1302", "0503"),
    "0206": ("0403", "1101", "1401"),
    "0301": ("0106", "0204", "0902"),
    "0302": ("1101", "0204", "1301"),
    "0401": ("0402", "0403"),
    "0402": ("0401", "0403", "0502"),
    "0403": ("0206", "0401", "1302"),
    "0501": ("0502", "0801", "0701"),
    "0502": ("0501", "0702", "0503"),
    "0503": ("0502", "0101", "1102"),
    "0601": ("0602",),
    "0602": ("0601", "0802"),
    "0701": ("0702", "0501"),
    "0702": ("0701", "0502"),
    "0801": ("0802", "0501"),
    "0802": ("0801", "0602"),
    "0901": ("0902", "0105"),
    "0902": ("0901", "0301"),
    "1001": ("1002", "0802"),
    "1002": ("1001", "0602"),
    "1101": ("1102", "0203", "0302"),
    "1102": ("1101", "0503"),
    "1201": ("0502", "0402"),
    "1301": ("1302", "0205"),
    "1302": ("1301", "0101", "0205"),
    "1401": ("0206", "0202"),
}

#: How often a topic comes up, relative to 1.0 (物业, 占道, 噪声 and 欠薪 lead the hotlines).
TOPIC_WEIGHTS = {
    "0101": 1.6,
    "0201": 1.3,
    "0203": 1.3,
    "0301": 1.4,
    "0403": 1.3,
    "0601": 1.4,
    "0502": 1.3,
    "0106": 1.2,
    "1101": 1.1,
    "0702": 0.8,
    "1201": 0.8,
    "1302": 0.8,
    "0105": 0.8,
    "1002": 0.8,
}

OPENERS = {
    "phone": (
        "喂，你好，",
        "你好，我想反映个事情，",
        "喂，是12345吗？",
        "您好，",
        "你好你好，那个，",
        "喂？我跟你说个事，",
        "你好，我是<district>的居民，",
        "嗯，你好，我打电话是想说一下，",
    ),
    "web": ("", "", "", "尊敬的领导：", "您好！", "市长您好，", "反映问题："),
}
CATEGORY_OPENERS = {
    "consultation": ("想咨询一下，", "请问一下，", "我想问个事，", ""),
    "complaint": ("我要投诉，", "我要反映一个问题，", "实在忍不下去了，", ""),
    "report": ("我要举报，", "实名举报：", "反映一个情况，", ""),
    "suggestion": ("提个建议，", "我有个建议，", ""),
    "help": ("求助！", "麻烦帮个忙，", "实在没办法了，", ""),
    "praise": ("我打电话是想表扬一下，", "给你们点个赞，", ""),
}
PLACES = (
    "我住在<district><street><estate>，",
    "我是<district><street>的居民，",
    "地址在<district><road>附近，",
    "<district><road><estate>这边，",
    "我们<estate>（<district><street>）",
    "<road><estate>，",
    "在<district><street>，",
)
TIMES = (
    "最近",
    "这段时间",
    "从上个月开始，",
    "昨天",
    "前几天",
    "这几天",
    "今天早上",
    "每年都是这样，",
)
FOLLOW_UPS = {
    "complaint": (
        "跟{物业|社区|街道}反映过{好几次|多次|<n>次}，{都没用|没人理|一直拖着}。",
        "{已经|之前}打过{好几次|两次}12345了，{还是|问题}没解决。",
        "严重影响{我们的|居民}{生活|休息|出行}。",
        "{家里|屋里}有{老人|小孩|病人}，{真的|实在}受不了。",
        "",
        "",
    ),
    "report": ("{照片|视频}{我都拍了|可以提供}。", "{希望|请}{保密|不要透露我的信息}。", "", ""),
    "help": ("{真的|实在}{急死了|没办法了}。", "", ""),
    "consultation": ("", "", "网上{查了|找了}{半天|很久}{没查到|说得不清楚}。"),
    "suggestion": ("", "{周边|附近}{居民|老百姓}{都|也}{有这个想法|这么说}。"),
    "praise": ("", "{希望|请}{转达|通报表扬}。"),
}
CLOSERS = {
    "consultation": ("请问该怎么办？", "麻烦告诉我一下。", "谢谢。", "去哪里办？", ""),
    "complaint": (
        "请{尽快|赶紧}{处理|解决}！",
        "希望{有关部门|政府|你们}{管一管|来看看|督促整改}。",
        "{要求|希望}给个说法。",
        "",
    ),
    "report": ("请{相关部门|有关部门}{查处|核实处理}。", "希望{尽快|严肃}查处。", ""),
    "suggestion": ("希望{采纳|考虑一下}。", "谢谢！", ""),
    "help": ("请{帮帮忙|帮我们想想办法}。", "{谢谢|麻烦你们了}。", ""),
    "praise": ("谢谢他们！", "特此表扬。", "一定要表扬！", ""),
}
FILLERS = ("那个，", "就是说，", "嗯，", "呃，", "怎么讲呢，", "你晓得吧，")
#: (standard, Wuhan dialect or colloquial)
DIALECT = (
    ("怎么", "么样"),
    ("没有", "冇得"),
    ("很", "蛮"),
    ("孩子", "伢"),
    ("家里", "屋里"),
    ("多少", "几多"),
    ("不要", "莫"),
    ("干什么", "搞么事"),
    ("知道", "晓得"),
)
#: (correct, typed wrong): near-sounding characters people type by pinyin input.
TYPOS = (
    ("反映", "反应"),
    ("垃圾", "拉圾"),
    ("已经", "以经"),
    ("噪音", "燥音"),
    ("物业", "物页"),
    ("投诉", "投述"),
    ("停车", "亭车"),
    ("维修", "维休"),
    ("严重", "严终"),
    ("处理", "处里"),
    ("工资", "公资"),
    ("的", "地"),
    ("再", "在"),
)


class _Composer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: tuple[str, ...]) -> str:
        return items[self.rng.randrange(len(items))]

    def fill(self, template: str, region: str) -> str:
        district, streets, roads = DISTRICTS[region]

        def slot(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "district":
                return district
            if name == "street":
                return self.pick(streets)
            if name == "road":
                road = self.pick(roads)
                return road + self.pick(("", "", "", "这一段", "路口"))
            if name == "estate":
                return self.pick(ESTATES)
            if name == "shop":
                return self.pick(SHOPS)
            if name == "hospital":
                return self.pick(HOSPITALS)
            if name == "scenic":
                return self.pick(SCENIC)
            if name == "school":
                place = self.pick((self.pick(roads), district, self.pick(streets)[:2]))
                return place + self.pick(SCHOOL_KINDS)
            if name == "bus":
                return f"{self.rng.choice((5, 10, 24, 36, 108, 208, 402, 521, 532, 717))}路"
            if name == "metro":
                return f"地铁{self.pick(METRO_LINES)}号线"
            if name == "dur":
                return self.pick(DURATIONS)
            if name == "money":
                return self.pick(AMOUNTS)
            if name == "n":
                return self.pick(SMALL_NUMBERS)
            if name == "hour":
                return self.pick(HOURS)
            raise KeyError(f"unknown slot <{name}>")

        def alternative(match: re.Match[str]) -> str:
            return self.pick(tuple(match.group(1).split("|")))

        text = _SLOT.sub(slot, template)
        return _ALTERNATIVE.sub(alternative, text)

    def clause(self, topic: str, region: str) -> str:
        """The first clause of one of a topic's situations: a passing mention."""
        situations = [t for c, t in SITUATIONS[topic] if c in "CRH"] or [
            t for _, t in SITUATIONS[topic]
        ]
        template = situations[self.rng.randrange(len(situations))]
        return re.split(r"[，。？！]", self.fill(template, region))[0]

    def pick_index(self, indexes: list[int]) -> int:
        return indexes[self.rng.randrange(len(indexes))]

    def pick_situation(self, topic: str) -> tuple[int, tuple[str, str]]:
        situations = SITUATIONS[topic]
        index = self.rng.randrange(len(situations))
        return index, situations[index]

    def noisy(self, text: str, pairs: tuple[tuple[str, str], ...], chance: float) -> str:
        for right, wrong in pairs:
            if right in text and self.rng.random() < chance:
                text = text.replace(right, wrong, 1)
        return text

    def row(self, number: int, topic: str, region: str) -> Row:
        rng = self.rng
        index, (letter, template) = self.pick_situation(topic)
        template_id = f"{topic}-{index:02d}"
        shared = [i for i, (topics, _, _) in enumerate(AMBIGUOUS) if topic in topics]
        if shared and rng.random() < AMBIGUOUS_SHARE:
            index = self.pick_index(shared)
            _, letter, template = AMBIGUOUS[index]
            template_id = f"amb-{index:02d}"
        category = CATEGORIES[letter]
        style = rng.choices(("phone", "web", "short"), weights=(35, 45, 20))[0]
        body = self.fill(template, region)
        parts: list[str] = []
        if style != "short":
            parts.append(self.pick(OPENERS[style]))
            if rng.random() < 0.6:
                parts.append(self.pick(CATEGORY_OPENERS[category]))
            if rng.random() < 0.65:
                parts.append(self.pick(PLACES))
            if style == "phone" and rng.random() < 0.5:
                parts.append(self.pick(FILLERS))
            if category in {"complaint", "report", "help"} and rng.random() < 0.4:
                parts.append(self.pick(TIMES))
        parts.append(body)
        parts.append("。" if style != "short" or rng.random() < 0.5 else "")
        if style != "short":
            if rng.random() < 0.3:
                # A second situation of the same topic: people often say two things.
                _, (_, second) = self.pick_situation(topic)
                if second != template:
                    parts.append(
                        self.pick(("而且", "还有，", "另外", "")) + self.fill(second, region)
                    )
                    parts.append("。")
            parts.append(self.pick(FOLLOW_UPS[category]))
        if rng.random() < 0.25:
            # Mixed request: a neighbouring (or any) topic mentioned in passing.
            if rng.random() < 0.7:
                other = self.pick(NEIGHBOURS[topic])
            else:
                other = self.pick(tuple(SITUATIONS))
            if other != topic:
                lead_in = self.pick(("顺便说一下，", "另外", "还有就是", "对了，"))
                parts.append(lead_in + self.clause(other, region) + "，也希望管一管。")
        if style != "short":
            parts.append(self.pick(CLOSERS[category]))
        text = self.fill("".join(parts), region)
        if rng.random() < 0.2:
            text = self.noisy(text, DIALECT, 0.7)
        if rng.random() < 0.25:
            text = self.noisy(text, TYPOS, 0.5)
        if style == "short" and rng.random() < 0.3:
            text = re.sub(r"[，。]", " ", text).strip()
        text = (
            re.sub(r"。+", "。", text)
            .replace("，。", "。")
            .replace("？。", "？")
            .replace("。？", "？")
        )
        return Row(
            id=f"hl-{number:05d}",
            text=text,
            category=category,
            topic=topic,
            department=taxonomy.lead_department(topic),
            region=region,
            template=template_id,
        )


def generate(size: int = DEFAULT_SIZE, *, seed: int = SEED) -> Iterator[Row]:
    """``size`` labelled requests; the same seed gives the same rows."""
    rng = random.Random(seed)  # noqa: S311 (demo data, reproducible by design)
    composer = _Composer(rng)
    topics = [t.code for t in taxonomy.leaf_topics()]
    topic_weights = [TOPIC_WEIGHTS.get(code, 1.0) for code in topics]
    regions = list(DISTRICT_WEIGHTS)
    region_weights = list(DISTRICT_WEIGHTS.values())
    for number in range(1, size + 1):
        topic = rng.choices(topics, weights=topic_weights)[0]
        region = rng.choices(regions, weights=region_weights)[0]
        yield composer.row(number, topic, region)
