"""The demo taxonomy of citizen requests (诉求分类) and its default dispatch mapping.

Two levels: a group (``01`` 住房与物业) and its topics (``0101`` 物业服务). Every topic names
its lead department (主办) and supporting departments (协办) of the Wuhan city government; the
demo and the services turn this into :class:`~yiwang.hotline.models.Topic` and
:class:`~yiwang.hotline.models.DispatchRule` rows for region ``4201`` (武汉市). Districts may
have their own rules in the catalogue; the classifier only proposes the city-level lead.

Keywords are words callers use for the topic; the knowledge search and the keyword baseline
of ``bench/bench_hotline_route.py`` read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

#: The region the demo dispatch rules are made for.
CITY_REGION = "4201"


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    region: str = CITY_REGION


@dataclass(frozen=True)
class TopicSpec:
    code: str
    name: str
    parent: str | None
    keywords: tuple[str, ...] = ()
    lead: str = ""
    supporting: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.parent is None


# Codes follow the kernel's demo departments (4201-GAJ, 4201-RSJ, ...) where they exist.
DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("4201-ZFGXJ", "武汉市住房和城市更新局"),
    DepartmentSpec("4201-CGW", "武汉市城市管理执法委员会"),
    DepartmentSpec("4201-SHJJ", "武汉市生态环境局"),
    DepartmentSpec("4201-JTJ", "武汉市交通运输局"),
    DepartmentSpec("4201-SCJG", "武汉市市场监督管理局"),
    DepartmentSpec("4201-RSJ", "武汉市人力资源和社会保障局"),
    DepartmentSpec("4201-JYJ", "武汉市教育局"),
    DepartmentSpec("4201-WJW", "武汉市卫生健康委员会"),
    DepartmentSpec("4201-GAJ", "武汉市公安局"),
    DepartmentSpec("4201-MZJ", "武汉市民政局"),
    DepartmentSpec("4201-SWUJ", "武汉市水务局"),
    DepartmentSpec("4201-ZRZYJ", "武汉市自然资源和规划局"),
    DepartmentSpec("4201-WHLYJ", "武汉市文化和旅游局"),
    DepartmentSpec("4201-YBJ", "武汉市医疗保障局"),
    DepartmentSpec("4201-YJGLJ", "武汉市应急管理局"),
    DepartmentSpec("4201-FGW", "武汉市发展和改革委员会"),
    DepartmentSpec("4201-YLLHJ", "武汉市园林和林业局"),
    DepartmentSpec("4201-XFZD", "武汉市消防救援支队"),
)


def _group(code: str, name: str) -> TopicSpec:
    return TopicSpec(code, name, None)


def _topic(
    code: str, name: str, lead: str, keywords: str, supporting: tuple[str, ...] = ()
) -> TopicSpec:
    return TopicSpec(code, name, code[:2], tuple(keywords.split()), lead, supporting)


TOPICS: tuple[TopicSpec, ...] = (
    _group("01", "住房与物业"),
    _topic(
        "0101",
        "物业服务",
        "4201-ZFGXJ",
        "物业 物业公司 物管 物业费 保洁 楼道 业委会 门禁 保安 停车位",
    ),
    _topic(
        "0102",
        "房屋质量与维修资金",
        "4201-ZFGXJ",
        "漏水 渗水 墙体开裂 房屋质量 维修资金 外墙脱落 楼顶防水 危房",
    ),
    _topic(
        "0103",
        "电梯安全",
        "4201-SCJG",
        "电梯 困人 电梯故障 维保 电梯停运 加装电梯 年检",
        ("4201-ZFGXJ",),
    ),
    _topic(
        "0104",
        "商品房交付与房屋租赁",
        "4201-ZFGXJ",
        "开发商 交房 延期交房 烂尾 网签 租房 房东 押金 中介 公租房",
    ),
    _topic(
        "0105",
        "不动产登记",
        "4201-ZRZYJ",
        "房产证 不动产权证 不动产登记 办证 过户 抵押登记 产权",
        ("4201-ZFGXJ",),
    ),
    _topic(
        "0106",
        "建筑工地施工",
        "4201-ZFGXJ",
        "工地 施工 夜间施工 打桩 扬尘 围挡 塔吊 混凝土",
        ("4201-SHJJ", "4201-CGW"),
    ),
    _group("02", "城市管理"),
    _topic(
        "0201",
        "占道经营",
        "4201-CGW",
        "占道经营 流动摊贩 摆摊 夜市 店外经营 小贩 马路市场",
    ),
    _topic(
        "0202",
        "违法建设",
        "4201-CGW",
        "违建 违章建筑 私搭乱建 加盖 搭棚 顶楼加层 圈占绿地",
        ("4201-ZRZYJ",),
    ),
    _topic(
        "0203",
        "环境卫生与垃圾清运",
        "4201-CGW",
        "垃圾 垃圾桶 垃圾站 清运 环卫 公厕 垃圾分类 臭味",
    ),
    _topic(
        "0204",
        "餐饮油烟",
        "4201-CGW",
        "油烟 烧烤 排烟 油烟机 餐馆 饭店 大排档 熏",
        ("4201-SHJJ",),
    ),
    _topic(
        "0205",
        "燃气安全与供气",
        "4201-CGW",
        "燃气 天然气 煤气 液化气 气罐 漏气 燃气表 停气",
        ("4201-YJGLJ",),
    ),
    _topic(
        "0206",
        "市政道路与路灯",
        "4201-CGW",
        "路灯 井盖 道路破损 坑洼 人行道 护栏 路面塌陷 桥梁",
    ),
    _group("03", "生态环境"),
    _topic(
        "0301",
        "噪声污染",
        "4201-SHJJ",
        "噪音 噪声 扰民 音响 机器轰鸣 风机 冷却塔 分贝",
        ("4201-GAJ",),
    ),
    _topic(
        "0302",
        "大气与水体污染",
        "4201-SHJJ",
        "排污 废气 偷排 污水 臭气 焚烧 黑烟 化工厂 河水发黑",
        ("4201-SWUJ",),
    ),
    _group("04", "交通出行"),
    _topic(
        "0401",
        "公交地铁",
        "4201-JTJ",
        "公交 公交车 地铁 线路 站台 司机 发车 班次 刷卡",
    ),
    _topic(
        "0402",
        "出租车与网约车",
        "4201-JTJ",
        "出租车 的士 网约车 滴滴 拒载 绕路 议价 打表",
    ),
    _topic(
        "0403",
        "交通秩序与停车",
        "4201-GAJ",
        "违停 乱停 红绿灯 信号灯 交警 罚单 电动车 闯红灯 拥堵",
        ("4201-CGW",),
    ),
    _group("05", "市场监管"),
    _topic(
        "0501",
        "食品安全",
        "4201-SCJG",
        "食品 过期 变质 拉肚子 食物中毒 无证 卫生 后厨 外卖",
    ),
    _topic(
        "0502",
        "消费维权",
        "4201-SCJG",
        "退款 预付卡 办卡 商家 质量问题 虚假宣传 退货 消费者 健身房",
    ),
    _topic(
        "0503",
        "价格与公用事业收费",
        "4201-FGW",
        "收费标准 水价 电价 气价 停车收费 价格 涨价 阶梯 乱收费",
        ("4201-SCJG",),
    ),
    _group("06", "劳动与社保"),
    _topic(
        "0601",
        "拖欠工资",
        "4201-RSJ",
        "欠薪 拖欠工资 工钱 包工头 劳动合同 辞退 加班费 工资",
    ),
    _topic(
        "0602",
        "社会保险与就业",
        "4201-RSJ",
        "社保 养老保险 退休 缴费 失业金 就业 招聘 技能培训 补贴",
    ),
    _group("07", "教育"),
    _topic(
        "0701",
        "入学与学校管理",
        "4201-JYJ",
        "入学 学位 划片 转学 学校 老师 班主任 作业 校服 食堂",
    ),
    _topic(
        "0702",
        "校外培训",
        "4201-JYJ",
        "培训机构 补课 补习班 学科培训 退费 课时 托管班",
    ),
    _group("08", "卫生健康"),
    _topic(
        "0801",
        "医疗服务",
        "4201-WJW",
        "医院 医生 护士 挂号 看病 医疗纠纷 诊所 疫苗 体检",
    ),
    _topic(
        "0802",
        "医保报销",
        "4201-YBJ",
        "医保 报销 医保卡 异地就医 门诊统筹 慢特病 居民医保 起付线",
    ),
    _group("09", "公安与户政"),
    _topic(
        "0901",
        "户籍与证件",
        "4201-GAJ",
        "户口 落户 迁户 身份证 居住证 户籍 派出所 出入境 护照",
    ),
    _topic(
        "0902",
        "治安与诈骗",
        "4201-GAJ",
        "诈骗 被骗 偷窃 打架 赌博 治安 传销 报警 可疑人员",
    ),
    _group("10", "民政与社会保障"),
    _topic(
        "1001",
        "养老服务",
        "4201-MZJ",
        "养老院 老年人 养老服务 高龄津贴 助餐 社区食堂 居家养老 护理",
    ),
    _topic(
        "1002",
        "社会救助",
        "4201-MZJ",
        "低保 困难 救助 残疾 特困 临时救助 流浪 孤儿",
    ),
    _group("11", "水务"),
    _topic(
        "1101",
        "排水与内涝",
        "4201-SWUJ",
        "下水道 堵塞 渍水 积水 内涝 化粪池 排水管 雨水 返水",
    ),
    _topic(
        "1102",
        "供水服务",
        "4201-SWUJ",
        "停水 自来水 水压 水质 黄水 水管 爆管 水表 供水",
    ),
    _group("12", "文化旅游"),
    _topic(
        "1201",
        "旅游与文化市场",
        "4201-WHLYJ",
        "旅游 景区 导游 旅行社 门票 网吧 KTV 演出 酒店",
    ),
    _group("13", "应急与消防"),
    _topic(
        "1301",
        "安全生产",
        "4201-YJGLJ",
        "安全隐患 安全生产 危化品 仓库 工厂 违规作业 事故 鞭炮",
    ),
    _topic(
        "1302",
        "消防安全",
        "4201-XFZD",
        "消防通道 消防栓 灭火器 飞线充电 电动车充电 堵塞 火灾 烟感",
    ),
    _group("14", "园林绿化"),
    _topic(
        "1401",
        "园林绿化",
        "4201-YLLHJ",
        "树木 修剪 绿化带 公园 草坪 树枝 倒伏 毁绿 古树",
    ),
)


@cache
def _by_code() -> dict[str, TopicSpec]:
    return {t.code: t for t in TOPICS}


def topic(code: str) -> TopicSpec:
    """The topic with ``code``; KeyError if there is none."""
    return _by_code()[code]


def leaf_topics() -> tuple[TopicSpec, ...]:
    """The topics an order can have (the second level), in code order."""
    return tuple(t for t in TOPICS if not t.is_group)


def department(code: str) -> DepartmentSpec:
    for spec in DEPARTMENTS:
        if spec.code == code:
            return spec
    raise KeyError(code)


def lead_department(topic_code: str) -> str:
    """The city-level lead department (主办) of a topic."""
    return topic(topic_code).lead


def department_of_topics() -> dict[str, str]:
    """topic code → lead department code, for every leaf topic."""
    return {t.code: t.lead for t in leaf_topics()}
