"""Demo 12345 hotline of 武汉市, after ``yiwang demo``:

* the topic taxonomy (14 groups, 36 topics) and its dispatch rules for 武汉市 from
  :mod:`yiwang.hotline.taxonomy`, the 18 city departments they name and the centre
  ``4201-12345`` (武汉市12345市民服务热线中心); time limits per category and urgency (urgent the
  same day — 8 hours —, critical 2 hours, consultations 3 working days, complaints 13, the
  others 10; sign for within 2 hours, critical within 1);
* the centre's agent ``hotline-agent`` and supervisor ``hotline-supervisor``, a grid worker
  ``hotline-grid`` (网格员, taking 武昌区's grid events), and a clerk ``hotline-<department
  code>`` (e.g. ``hotline-4201-zfgxj``) in each of the 18 departments — the demo password and
  authenticator secret of every demo staff account;
* the routing classifier, trained into the data directory on the committed corpus
  (``yiwang hotline train``) unless the model there was trained on the same corpus;
* the knowledge base (:mod:`.demo_knowledge`): 53 published articles owned by the departments,
  with review dates (three already due), a draft, an archived article and synonym groups;
* about 290 work orders over the last 30 days from every channel, in every state, with
  realistic histories (see :func:`load_orders`), some of them the demo citizens' own.

Everything goes through the services (catalogue, knowledge, work orders, Open311, files). The
orders' history is made on a **simulated clock**: while the orders load, Django's
``timezone.now`` answers the time each step is meant to have happened (days ago), so order
numbers, timeline steps, time limits and lateness are what they would have been; the audit
trail keeps the real time of the load. Deadline states are then marked at the real time by
``mark_deadlines``. Seeded: the same choices every time (dates are relative to the day of
loading). Safe to run again: what exists is kept, and orders are loaded only once."""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from yiwang.hotline import catalogue, classifier, corpus, knowledge, open311, services, taxonomy
from yiwang.hotline.demo_knowledge import ARCHIVED, ARTICLES, DRAFT, SYNONYMS
from yiwang.hotline.models import (
    ArticleStatus,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Category,
    Channel,
    DeadlineUnit,
    KnowledgeArticle,
    OrderStatus,
    Synonym,
    Urgency,
    WorkOrder,
)
from yiwang.kernel import audit, files
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region, Role

SEED = 12345
#: The orders' history reaches this many days back.
DAYS = 30
CENTRE = ("4201-12345", "武汉市12345市民服务热线中心")
#: (username, name, role): the centre's staff.
AGENT = ("hotline-agent", "12345热线话务员", Role.HOTLINE_AGENT)
SUPERVISOR = ("hotline-supervisor", "12345热线值班长", Role.DEPARTMENT_ADMIN)
#: The grid worker takes 武昌区's grid events (the engine takes grid events from the centre's
#: roles: a hotline agent for the district).
GRID = ("hotline-grid", "武昌区网格员", Role.HOTLINE_AGENT, "420106")
#: The identity demo's citizens, who file some of the orders themselves.
CITIZENS = ("zhangwei", "wangfang", "lina")
#: The identity demo's platform administrator keeps the knowledge base.
EDITOR = "admin"
OPEN311_CLIENT = "武汉城市留言板（演示接入）"

#: Target state → how many orders end in it (merged pairs come on top).
PLAN: tuple[tuple[str, int], ...] = (
    # A consultation the agent answered from the knowledge base: only those the classifier is
    # unsure of wait for the agent (the others go to a department at once), so few.
    ("knowledge", 5),
    ("received", 18),
    ("dispatched", 30),
    ("in_progress", 45),
    ("send_back", 8),
    ("extension", 8),
    ("replied", 20),
    ("completed", 24),
    ("closed", 120),
    ("reopened", 5),
)
MERGED_PAIRS = 3
#: The demo citizens' own orders: (username, target states).
CITIZEN_ORDERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zhangwei", ("received", "in_progress", "replied", "completed", "closed", "reopened")),
    ("wangfang", ("dispatched", "in_progress", "completed", "closed", "reopened", "reopened")),
    ("lina", ("dispatched", "extension", "completed", "closed", "closed", "reopened")),
)
#: Channels of the other orders, by weight (citizens' own are web, mobile or api).
CHANNEL_WEIGHTS = {
    Channel.PHONE: 50,
    Channel.WEB: 12,
    Channel.MOBILE: 12,
    Channel.API: 4,
    Channel.OPEN311: 6,
    Channel.GRID: 8,
}

#: District → (latitude, longitude, spread in degrees) around its centre, inside the district.
DISTRICT_CENTRES: dict[str, tuple[float, float, float]] = {
    "420102": (30.615, 114.305, 0.012),  # 江岸区
    "420103": (30.598, 114.268, 0.008),  # 江汉区
    "420104": (30.582, 114.232, 0.008),  # 硚口区
    "420105": (30.548, 114.218, 0.012),  # 汉阳区
    "420106": (30.553, 114.318, 0.010),  # 武昌区
    "420107": (30.628, 114.388, 0.010),  # 青山区
    "420111": (30.500, 114.345, 0.020),  # 洪山区
    "420112": (30.628, 114.140, 0.020),  # 东西湖区
    "420113": (30.312, 114.082, 0.015),  # 汉南区
    "420114": (30.582, 114.030, 0.020),  # 蔡甸区
    "420115": (30.375, 114.320, 0.025),  # 江夏区
    "420116": (30.880, 114.375, 0.025),  # 黄陂区
    "420117": (30.842, 114.800, 0.025),  # 新洲区
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = (
    "女士",
    "先生",
    "师傅",
    "阿姨",
    "婆婆",
    "爹爹",
    "老师",
    "同学",
)
AGENT_NOTES = (
    "来电人情绪激动，已安抚。",
    "老人来电，已放慢语速复述确认。",
    "已告知办理时限，来电人同意等待答复。",
    "来电人要求尽快上门查看。",
    "来电人称此前已多次反映。",
    "",
    "",
    "",
)

# --- what departments write -------------------------------------------------------------------

#: Topic group → what the lead department did (a reply's core).
ACTIONS: dict[str, tuple[str, ...]] = {
    "01": (
        "已约谈物业服务企业负责人，责令其限期整改，街道和社区将跟踪落实",
        "工作人员已到现场查看，督促责任单位制定维修方案，目前已开始施工",
        "已组织开发企业、物业和业主代表协调会，明确了整改措施和时间表",
    ),
    "02": (
        "已安排执法队员现场核查，对相关行为进行了劝导和依法处理，后续将加强巡查",
        "已通知责任单位现场处置，问题已整改完毕",
        "已对涉事商户下达整改通知书，并纳入日常巡查重点",
    ),
    "03": (
        "执法人员已到现场监测核查，责令相关单位采取降噪、治污措施，后续将持续跟踪",
        "已对涉事单位立案调查，并责令其立即停止违法排放",
    ),
    "04": (
        "已转交运营企业核查，对相关驾驶员进行了批评教育并纳入考核",
        "已安排交警加强该路段巡查管控，并优化了信号配时",
        "已责成运营企业调整班次，高峰时段加密发车",
    ),
    "05": (
        "市场监管执法人员已到现场检查，责令商家整改，涉嫌违法行为已立案调查",
        "已组织双方调解，商家同意按规定退款",
        "已对涉事经营者进行约谈，并对其经营场所开展了专项检查",
    ),
    "06": (
        "劳动保障监察机构已约谈用人单位，责令其限期支付拖欠工资",
        "经核实，已告知办理流程和所需材料，并协助来电人完成办理",
    ),
    "07": (
        "区教育局已进行核查，责成学校整改，并向来电人说明了相关政策",
        "已约谈涉事培训机构，督促其按合同约定办理退费",
    ),
    "08": (
        "已责成医院核查处理，医院已与来电人沟通并致歉",
        "医保经办机构已核实情况，并指导来电人补办了相关手续",
    ),
    "09": (
        "辖区派出所已核查处理，并加强了该区域的巡逻防控",
        "户政部门已核实情况，告知了所需材料并开通了预约办理",
    ),
    "10": (
        "街道和社区已上门了解情况，按规定为其办理了相关手续",
        "已协调社区养老服务中心提供上门服务",
    ),
    "11": (
        "已安排抢修人员现场处置，管网已疏通，后续将加强巡检",
        "供水企业已完成抢修，供水已恢复正常",
    ),
    "12": ("已约谈相关经营单位，责令整改，并对其开展了专项检查",),
    "13": (
        "已组织执法人员现场检查，责令相关单位立即消除隐患",
        "消防救援人员已到场检查，督促物业清理了楼道堆物和飞线充电",
    ),
    "14": ("已安排园林养护单位现场修剪处置，隐患已消除",),
}
SUPPORT_REPLY = "{department}已配合主办单位开展现场核查，相关情况已反馈主办单位。"
SEND_BACK = "经核实，该诉求反映的是{topic}问题，属{department}职责范围，不属于我单位职责，请改派。"
SEND_BACK_DISPUTED = "该诉求主要涉及{topic}，建议由{department}主办，我单位可配合。"
SEND_BACK_UNCLEAR = (
    "该诉求涉及多个部门职责，我单位不是主要责任单位，建议由热线中心协调确定主办单位。"
)
SEND_BACK_REJECTED = "经核实，该事项属贵单位职责，请继续办理。"
EXTENSION = "该问题涉及多个部门和历史遗留情况，需现场会商后制定整改方案，申请延期{amount}个工作日。"
SUPERVISION = "该工单已超期未办结，请尽快办理并答复市民。"
ESCALATION = "多次督办仍未办结，提请上级督办。"
REOPEN = (
    "问题没有解决，和反映之前一样，申请重新办理。",
    "只是打了个电话，没有人来现场处理，不满意。",
)
COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("很满意，问题解决了，谢谢。", "处理很及时，工作人员态度很好。", ""),
    4: ("基本解决了，态度不错。", "解决了，就是时间长了点。", ""),
    3: ("问题有所改善，还要继续关注。", "一般，处理得有点慢。"),
    2: ("说是处理了，实际没有变化。", "答复不清楚，问题还在。"),
    1: ("根本没人来处理。", "答复敷衍，很不满意。"),
}
#: Satisfaction scores of the closed orders, by weight.
SCORES = {5: 46, 4: 28, 3: 12, 2: 8, 1: 6}


# --- entry point --------------------------------------------------------------------------------


def load(actor: Any, say: Any) -> None:
    started, cpu = time.monotonic(), time.process_time()
    if not Region.objects.filter(code=taxonomy.CITY_REGION).exists():
        say("hotline: regions missing; run the kernel demo first")
        return
    made = ensure_departments(actor)
    counts = load_catalogue(actor)
    staff = ensure_staff(actor, say)
    say(
        f"hotline: {made} departments created; catalogue: "
        + ", ".join(
            f"{what} {c['created']} created, {c['kept']} kept" for what, c in counts.items()
        )
    )
    say(ensure_model())
    say(load_knowledge(actor))
    say(load_orders(actor, staff))
    say(f"hotline demo: {time.monotonic() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)")


# --- departments, catalogue, staff --------------------------------------------------------------


def ensure_departments(actor: Any) -> int:
    """The taxonomy's 18 departments and the centre, made when missing."""
    wanted = [(d.code, d.name, d.region) for d in taxonomy.DEPARTMENTS]
    wanted.append((CENTRE[0], CENTRE[1], taxonomy.CITY_REGION))
    existing = set(Department.objects.values_list("code", flat=True))
    regions = {r.code: r for r in Region.objects.filter(code__in={w[2] for w in wanted})}
    made = 0
    for code, name, region in wanted:
        if code not in existing:
            kernel.create_department(actor=actor, code=code, name=name, region=regions[region])
            made += 1
    return made


#: Category → working days to handle a normal order.
NORMAL_DAYS = {Category.CONSULTATION: 3, Category.COMPLAINT: 13}


def load_catalogue(actor: Any) -> dict[str, Counter[str]]:
    """Topics, dispatch rules for 武汉市 and time limits, through the catalogue services."""
    counts: dict[str, Counter[str]] = {
        "topics": Counter(),
        "dispatch rules": Counter(),
        "time limits": Counter(),
    }
    for spec in taxonomy.TOPICS:
        _topic, outcome = catalogue.save_topic(
            actor=actor,
            code=spec.code,
            name=spec.name,
            parent_code=spec.parent,
            keywords=spec.keywords,
        )
        counts["topics"][_kept(outcome)] += 1
    for spec in taxonomy.leaf_topics():
        _rule, outcome = catalogue.save_dispatch_rule(
            actor=actor,
            topic_code=spec.code,
            region_code=taxonomy.CITY_REGION,
            lead_code=spec.lead,
            supporting_codes=spec.supporting,
        )
        counts["dispatch rules"][_kept(outcome)] += 1
    for category in Category:
        for urgency, amount, unit, sign in (
            (Urgency.NORMAL, NORMAL_DAYS.get(category, 10), DeadlineUnit.WORKING_DAYS, 2),
            (Urgency.URGENT, 8, DeadlineUnit.HOURS, 2),
            (Urgency.CRITICAL, 2, DeadlineUnit.HOURS, 1),
        ):
            _limit, outcome = catalogue.save_deadline_rule(
                actor=actor,
                category=category,
                urgency=urgency,
                amount=amount,
                unit=unit,
                sign_hours=sign,
            )
            counts["time limits"][_kept(outcome)] += 1
    return counts


def _kept(outcome: str) -> str:
    return "created" if outcome == "created" else "kept"


@dataclass
class Staff:
    agent: Any
    supervisor: Any
    grid: Any
    clerks: dict[str, Any]  # department code → clerk
    citizens: dict[str, Any]  # username → account (those the identity demo made)


def ensure_staff(actor: Any, say: Any) -> Staff:
    """The centre's agent and supervisor, the grid worker and a clerk per department."""
    from yiwang.identity.demo import ensure_staff as ensure

    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    centre = departments[CENTRE[0]]
    made: list[str] = []

    def account(
        username: str, name: str, role: str, department: Department | None, region: Any
    ) -> Any:
        user, created = ensure(
            actor,
            username=username,
            display_name=name,
            role=role,
            region=region,
            department=department,
        )
        if created:
            made.append(username)
        return user

    agent = account(AGENT[0], AGENT[1], AGENT[2], centre, centre.region)
    supervisor = account(SUPERVISOR[0], SUPERVISOR[1], SUPERVISOR[2], centre, centre.region)
    grid = account(GRID[0], GRID[1], GRID[2], None, Region.objects.get(code=GRID[3]))
    clerks = {
        spec.code: account(
            f"hotline-{spec.code}".lower(),
            f"{spec.name}热线专员",
            Role.WINDOW_CLERK,
            departments[spec.code],
            departments[spec.code].region,
        )
        for spec in taxonomy.DEPARTMENTS
    }
    citizens = {u.username: u for u in get_user_model().objects.filter(username__in=CITIZENS)}
    say(
        f"hotline: staff {len(made)} created, {3 + len(clerks) - len(made)} kept "
        f"({AGENT[0]}, {SUPERVISOR[0]}, {GRID[0]}, hotline-<department code> for the "
        f"{len(clerks)} departments; password as for the other demo staff)"
    )
    fresh = get_user_model().objects.in_bulk([agent.pk, supervisor.pk, grid.pk])
    return Staff(
        agent=fresh[agent.pk],
        supervisor=fresh[supervisor.pk],
        grid=fresh[grid.pk],
        clerks={code: get_user_model().objects.get(pk=c.pk) for code, c in clerks.items()},
        citizens=citizens,
    )


# --- the classifier -----------------------------------------------------------------------------


def ensure_model() -> str:
    """Train the router into the data directory unless the model there was trained on the
    same corpus (its header names the corpus's SHA-256)."""
    rows = corpus.load()
    header = classifier.model_header()
    if header is not None and header.get("corpus_sha256") == classifier.corpus_digest(rows):
        try:
            classifier.load_router()
        except Exception:  # stale or damaged: train again below
            header = None
        else:
            return f"hotline: routing model kept ({classifier.model_path()})"
    result = classifier.train(rows)
    classifier.forget()
    return (
        f"hotline: routing model trained on {result.rows} rows in {result.seconds:.1f} s "
        f"({result.path}, {result.bytes / 1e6:.1f} MB)"
    )


# --- knowledge base -----------------------------------------------------------------------------


def load_knowledge(actor: Any) -> str:
    """The demo articles (published; a draft and an archived one) and synonym groups, written
    by the platform administrator of the identity demo for their owner departments."""
    editor = get_user_model().objects.filter(username=EDITOR).first()
    if editor is None:
        return f"hotline: knowledge base skipped (no {EDITOR} account; run the identity demo)"
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    existing = set(KnowledgeArticle.objects.values_list("title", flat=True))
    today = timezone.localdate()
    created = 0
    entries = [(entry, "published") for entry in ARTICLES]
    entries += [(DRAFT, "draft"), (ARCHIVED, "archived")]
    for (title, topic_code, owner, days, body), status in entries:
        if title in existing:
            continue
        article = knowledge.create_article(
            actor=editor,
            owner=departments[owner],
            title=title,
            body=body,
            topic_code=topic_code,
            review_due_on=today + dt.timedelta(days=days),
        )
        if status != "draft":
            article = knowledge.publish_article(actor=editor, article=article)
        if status == "archived":
            knowledge.archive_article(actor=editor, article=article)
        created += 1
    synonyms = 0
    for term, words in SYNONYMS:
        if not Synonym.objects.filter(term=term).exists():
            knowledge.set_synonyms(actor=editor, term=term, synonyms=list(words))
            synonyms += 1
    published = KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED).count()
    return (
        f"hotline: knowledge base {created} articles created, {len(entries) - created} kept "
        f"({published} published), {synonyms} synonym groups created"
    )


# --- the simulated clock ------------------------------------------------------------------------


class _RealTime:
    """``django.utils.timezone`` as the audit trail sees it while the clock is simulated."""

    def __init__(self, real_now: Callable[[], dt.datetime]) -> None:
        self.now = real_now

    def __getattr__(self, name: str) -> Any:
        return getattr(_timezone_module(), name)


def _timezone_module() -> Any:
    from django.utils import timezone as module

    return module


class Clock:
    """While running, ``timezone.now()`` answers :attr:`at` (set before each step); the audit
    trail's own clock stays real."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    @contextmanager
    def running(self) -> Iterator[Clock]:
        real_now = timezone.now
        with ExitStack() as stack:
            stack.enter_context(mock.patch.object(audit, "timezone", _RealTime(real_now)))
            stack.enter_context(mock.patch.object(timezone, "now", lambda: self.at))
            yield self


# --- work orders ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    row: corpus.Row
    title: str
    department: str  # the proposed department
    topic: str  # the proposed topic
    confidence: float
    second_topic: str

    @property
    def confident(self) -> bool:
        return self.confidence >= classifier.auto_dispatch_threshold()

    @property
    def right(self) -> bool:
        return self.department == self.row.department


@dataclass
class Plan:
    state: str
    candidate: Candidate
    channel: str
    created: dt.datetime
    urgency: str = Urgency.NORMAL
    citizen: Any = None
    history: set[str] = field(default_factory=set)

    @property
    def category(self) -> str:
        """The order's category: the row's, but Open311 files every request as a complaint."""
        if self.channel == Channel.OPEN311:
            return str(open311.OPEN311_CATEGORY)
        return self.candidate.row.category


class Orders:
    """Builds the demo orders: picks corpus rows for each plan, then plays each order's life
    through the services on the simulated clock."""

    def __init__(self, actor: Any, staff: Staff, now: dt.datetime) -> None:
        self.actor = actor
        self.staff = staff
        self.now = now
        self.rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
        self.clock = Clock(now)
        self.used: set[str] = set()
        #: Orders routed to a wrong department: still sent back (pending), and sent back and
        #: re-dispatched on the way to a later state.
        self.wrong: Counter[str] = Counter(send_back=5, in_progress=1, replied=1, closed=3)
        self.pool = self._candidates()
        self.api_key = ""
        self.phones = 0
        self.escalated = False
        self.stats: Counter[str] = Counter()
        self.articles: dict[str | None, KnowledgeArticle | None] = {}

    # candidates ------------------------------------------------------------------------

    def _candidates(self) -> list[Candidate]:
        """The held-out rows (never trained on), in a seeded order, each with what the
        classifier will propose for it (the order's title and text, as ``route`` asks)."""
        _training, held_out = corpus.split(corpus.load())
        rows = list(held_out)
        self.rng.shuffle(rows)
        titles = [_title(row.text) for row in rows]
        proposals = classifier.load_router().propose_many(
            [f"{title}\n{row.text}" for title, row in zip(titles, rows, strict=True)]
        )
        return [
            Candidate(
                row=row,
                title=title,
                department=proposal.department_code,
                topic=proposal.topic_code,
                confidence=proposal.department_confidence,
                second_topic=(
                    proposal.top_topics[1][0]
                    if len(proposal.top_topics) > 1
                    else proposal.topic_code
                ),
            )
            for row, title, proposal in zip(rows, titles, proposals, strict=True)
        ]

    def pick(self, test: Callable[[Candidate], bool]) -> Candidate:
        for candidate in self.pool:
            if candidate.row.id not in self.used and test(candidate):
                self.used.add(candidate.row.id)
                return candidate
        raise LookupError("the corpus has no row left for this demo order")

    def pick_for(self, state: str, channel: str) -> Candidate:
        """A row fitting the state: below the threshold for orders still waiting for an agent
        (and knowledge answers); routed to a wrong department for some send-backs (pending,
        or approved on the way of a later state); otherwise one the classifier routes right
        or leaves to the agent. A consultation for a knowledge answer, none for "replied" (a
        consultation completes on its reply); 武昌区 for the grid."""

        def place(c: Candidate) -> bool:
            return channel != Channel.GRID or c.row.region == GRID[3]

        def fits(c: Candidate) -> bool:
            if not place(c):
                return False
            if state == "received":
                return not c.confident
            if state == "knowledge":
                return not c.confident and c.row.category == Category.CONSULTATION
            if state == "replied" and c.row.category == Category.CONSULTATION:
                return False
            return c.right or not c.confident

        wrong = state == "send_back" or (
            state in ("in_progress", "replied", "completed", "closed")
            and channel != Channel.OPEN311
            and self.rng.random() < 0.1
        )
        if wrong and self.wrong[state] > 0:
            try:
                found = self.pick(
                    lambda c: (
                        place(c)
                        and c.confident
                        and not c.right
                        and not (state == "replied" and c.row.category == Category.CONSULTATION)
                    )
                )
            except LookupError:
                pass
            else:
                self.wrong[state] -= 1
                return found
        try:
            return self.pick(fits)
        except LookupError:
            raise LookupError(f"no corpus row left for a {state} order by {channel}") from None

    # plans -----------------------------------------------------------------------------

    def plans(self) -> list[Plan]:
        citizen_states = [
            (self.staff.citizens[name], state)
            for name, states in CITIZEN_ORDERS
            if name in self.staff.citizens
            for state in states
        ]
        owned: dict[str, list[Any]] = {}
        for account, state in citizen_states:
            owned.setdefault(state, []).append(account)
        plans: list[Plan] = []
        channels = list(CHANNEL_WEIGHTS)
        weights = list(CHANNEL_WEIGHTS.values())
        for state, count in PLAN:
            for index in range(count):
                citizen = owned[state].pop() if owned.get(state) else None
                if state == "reopened" and citizen is None:
                    citizen = self.staff.citizens.get(CITIZENS[index % len(CITIZENS)])
                    if citizen is None:
                        continue  # only a citizen reopens
                if citizen is not None:
                    channel = self.rng.choice([Channel.WEB, Channel.MOBILE, Channel.API])
                elif state in ("received", "knowledge"):
                    channel = Channel.PHONE if index % 3 else Channel.WEB
                    if state == "received" and index % 6 == 5:
                        channel = Channel.GRID
                else:
                    channel = self.rng.choices(channels, weights)[0]
                candidate = self.pick_for(state, channel)
                plan = Plan(
                    state=state,
                    candidate=candidate,
                    channel=channel,
                    created=self.awake(self.now - dt.timedelta(hours=_age(self.rng, state))),
                    citizen=citizen,
                )
                plan.urgency = self._urgency(plan)
                wrong = candidate.confident and not candidate.right
                if wrong and state != "send_back" and channel != Channel.OPEN311:
                    plan.history.add("send_back_approved")
                plans.append(plan)
        self._history(plans)
        return sorted(plans, key=lambda p: p.created)

    def _urgency(self, plan: Plan) -> str:
        category = plan.category
        if category not in (Category.HELP, Category.REPORT, Category.COMPLAINT):
            return Urgency.NORMAL
        roll = self.rng.random()
        if roll < 0.015:
            return Urgency.CRITICAL
        return Urgency.URGENT if roll < 0.09 else Urgency.NORMAL

    def _history(self, plans: list[Plan]) -> None:
        """Steps some orders took on the way (an approved extension, a send-back the centre
        rejected), and two urgent orders in progress whose 8 hours are nearly up (due soon,
        whatever the day of the week)."""
        for plan in plans:
            later = plan.state in ("replied", "completed", "closed", "in_progress")
            if later and self.rng.random() < 0.08:
                plan.history.add("extension_approved")
            if plan.state in ("closed", "in_progress") and self.rng.random() < 0.03:
                plan.history.add("send_back_rejected")
        urgent = [
            p
            for p in plans
            if p.state == "in_progress"
            and p.citizen is None
            and p.category in (Category.COMPLAINT, Category.REPORT, Category.HELP)
            and not p.history  # no extension or re-dispatch moving the due time
        ]
        for plan in urgent[:2]:
            plan.urgency = Urgency.URGENT
            plan.created = self.now - dt.timedelta(hours=self.rng.uniform(6.4, 7.6))

    # the orders' lives -----------------------------------------------------------------

    def daytime(self, moment: dt.datetime, start: float, end: float) -> dt.datetime:
        """``moment``, or when it falls outside ``start``–``end`` o'clock, the next such
        time (a little after ``start``) — unless that is not in the past yet."""
        local = timezone.localtime(moment)
        hour = local.hour + local.minute / 60
        if start <= hour < end:
            return moment
        day = local.date() + dt.timedelta(days=1 if hour >= end else 0)
        later = dt.datetime.combine(day, dt.time(0), tzinfo=local.tzinfo) + dt.timedelta(
            hours=start + self.rng.uniform(0, 1.5)
        )
        return later if later < self.now - dt.timedelta(minutes=5) else moment

    def awake(self, moment: dt.datetime) -> dt.datetime:
        """Few people call at night: a filing time between 1 and 7 o'clock moves to a time of
        day of the same day (or, if that is not past yet, of the day before)."""
        local = timezone.localtime(moment)
        if not 1 <= local.hour < 7:
            return moment
        day = dt.datetime.combine(local.date(), dt.time(0), tzinfo=local.tzinfo)
        moved = day + dt.timedelta(hours=self.rng.uniform(7, 23))
        if moved > self.now - dt.timedelta(minutes=5):
            moved -= dt.timedelta(days=1)
        return moved

    def office(self, moment: dt.datetime) -> dt.datetime:
        """Departments act in office hours."""
        return self.daytime(moment, 8.5, 18)

    def at(self, moment: dt.datetime) -> None:
        self.clock.at = min(moment, self.now - dt.timedelta(seconds=30))

    def run(self) -> Counter[str]:
        plans = self.plans()
        pairs = self._pairs()
        with self.clock.running():
            for plan in plans:
                self.live(plan)
            for target, duplicate in pairs:
                self.merged_pair(target, duplicate)
        self.stats["deadline states marked"] = services.mark_deadlines()
        return self.stats

    def live(self, plan: Plan) -> WorkOrder:
        order = self.create(plan)
        moment = plan.created
        span = (self.now - plan.created).total_seconds() / 3600
        steps = _steps(self.rng, plan, span)
        state = plan.state
        if state == "received":
            return order
        if state == "knowledge":
            return self.answer_from_knowledge(order, plan, steps)
        if order.status == OrderStatus.RECEIVED:  # create_order's object is routed already
            moment = steps.next(moment, "dispatch")
            self.at(moment)
            services.dispatch(
                actor=self.staff.agent, order=order, topic_code=plan.candidate.row.topic
            )
        if "send_back_approved" in plan.history:
            moment = self.send_back(
                order, plan, self.office(steps.next(moment, "sign")), approve=True
            )
        if state == "send_back":
            self.send_back(order, plan, self.office(steps.next(moment, "sign")), approve=None)
            return order
        if state == "dispatched":
            return self.supervised(order)
        moment = self.office(steps.next(moment, "sign"))
        self.sign(order, moment)
        if "send_back_rejected" in plan.history:
            moment = self.send_back(order, plan, moment + dt.timedelta(hours=1), approve=False)
        if "extension_approved" in plan.history or state == "extension":
            moment = self.extension(order, self.office(steps.next(moment, "extension")), plan)
        if state in ("in_progress", "extension"):
            return self.supervised(order)
        moment = self.office(steps.next(moment, "reply"))
        self.reply(order, plan, moment)
        if state == "replied":
            return order
        if plan.category != Category.CONSULTATION:  # a consultation completes on the reply
            moment = steps.next(moment, "complete")
            self.at(moment)
            services.complete(actor=self.staff.agent, order=order)
        if state == "completed":
            return order
        moment = steps.next(moment, "feedback")
        self.feedback(order, plan, moment)
        if state == "reopened":
            moment = steps.next(moment, "reopen")
            self.at(moment)
            services.reopen(actor=plan.citizen, order=order, reason_text=self.rng.choice(REOPEN))
        return order

    def create(self, plan: Plan, *, near: WorkOrder | None = None) -> WorkOrder:
        row = plan.candidate.row
        self.at(plan.created)
        latitude, longitude, address = self._place(row.region, near)
        self.stats[f"channel {plan.channel}"] += 1
        if plan.channel == Channel.OPEN311:
            return self.open311(plan, latitude, longitude, address)
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        phone = self._phone()
        # The number to call back: the caller's own for most calls (the caller number);
        # online, a mobile or a landline.
        callback = self._landline() if self.rng.random() < 0.5 else phone
        fields: dict[str, Any] = {
            "channel": plan.channel,
            "category": row.category,
            "title": plan.candidate.title,
            "content": row.text,
            "region_code": near.region_id if near is not None else row.region,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "urgency": plan.urgency,
            "contact_name": name,
            "contact_phone": callback,
            "confidential": row.category == Category.REPORT and self.rng.random() < 0.2,
        }
        actor = self.staff.agent
        if plan.citizen is not None:
            actor = plan.citizen
            fields["contact_name"] = plan.citizen.display_name or name
            fields["contact_phone"] = ""
        elif plan.channel == Channel.PHONE:
            fields["caller_number"] = phone
            fields["contact_phone"] = self._landline() if self.rng.random() < 0.2 else ""
            fields["recording_ref"] = f"REC-{timezone.localtime(plan.created):%Y%m%d-%H%M%S}"
            fields["agent_notes"] = self.rng.choice(AGENT_NOTES)
        elif plan.channel == Channel.GRID:
            actor = self.staff.grid
            street = self.rng.randrange(1, 16)
            fields["grid_code"] = f"{row.region}-{street:03d}-{self.rng.randrange(1, 30):02d}"
            fields["contact_name"] = GRID[1]
            fields["contact_phone"] = ""
            fields["photos"] = [
                self._photo(actor, fields["grid_code"], n)
                for n in range(1, self.rng.choice((2, 2, 3)))
            ]
        return services.create_order(actor=actor, **fields)

    def open311(self, plan: Plan, latitude: str, longitude: str, address: str) -> WorkOrder:
        if not self.api_key:
            _client, self.api_key = open311.create_client(actor=self.actor, name=OPEN311_CLIENT)
        row = plan.candidate.row
        name = self.rng.choice(SURNAMES)
        return open311.submit_request(
            api_key=self.api_key,
            data={
                "service_code": row.topic,
                "description": row.text,
                "lat": latitude,
                "long": longitude,
                "address_string": address,
                "last_name": name,
                "first_name": self.rng.choice(GIVEN),
                "phone": self._phone(),
            },
        )

    def _place(self, region: str, near: WorkOrder | None) -> tuple[str, str, str]:
        if near is not None and near.latitude is not None and near.longitude is not None:
            # A neighbour of the same problem: 30–150 m away.
            metres = self.rng.uniform(30, 150)
            latitude = float(near.latitude) + metres / 111_000 * self.rng.choice((-1, 1))
            return f"{latitude:.6f}", f"{float(near.longitude):.6f}", near.address
        lat, lng, spread = DISTRICT_CENTRES.get(region, DISTRICT_CENTRES["420106"])
        latitude = lat + self.rng.uniform(-spread, spread)
        longitude = lng + self.rng.uniform(-spread, spread)
        district, streets, roads = corpus.DISTRICTS[region]
        street = self.rng.choice(streets)
        if self.rng.random() < 0.6:
            estate = self.rng.choice(corpus.ESTATES)
            address = f"{district}{street}{estate}{self.rng.randrange(1, 30)}栋"
        else:
            address = f"{district}{street}{self.rng.choice(roads)}{self.rng.randrange(1, 400)}号"
        return f"{latitude:.6f}", f"{longitude:.6f}", address

    def _phone(self) -> str:
        self.phones += 1
        return f"1390000{self.phones:04d}"

    def _landline(self) -> str:
        return f"027-8{self.rng.randrange(0, 10_000_000):07d}"

    def _photo(self, actor: Any, grid_code: str, number: int) -> Any:
        return files.store_file(
            io.BytesIO(_png(self.rng)), name=f"grid-{grid_code}-{number}.png", actor=actor
        )

    def clerk(self, department_code: str) -> Any:
        return self.staff.clerks[department_code]

    def sign(self, order: WorkOrder, moment: dt.datetime) -> None:
        for held in self._held(order):
            self.at(moment + dt.timedelta(minutes=self.rng.randrange(0, 30)))
            if held.role == AssignmentRole.LEAD or self.rng.random() < 0.7:
                services.sign_for(actor=self.clerk(held.department.code), order=order)
        self.at(moment)

    def _held(self, order: WorkOrder) -> list[Assignment]:
        """The assignments departments hold now, the lead's first."""
        return list(
            Assignment.objects.filter(
                order_id=order.pk, status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)
            )
            .select_related("department")
            .order_by("role", "pk")  # "lead" before "support"
        )

    def _lead(self, order: WorkOrder) -> Department:
        held = self._held(order)
        if not held or held[0].role != AssignmentRole.LEAD:
            raise LookupError(f"order {order.number} has no lead department")
        return held[0].department

    def send_back(
        self, order: WorkOrder, plan: Plan, moment: dt.datetime, *, approve: bool | None
    ) -> dt.datetime:
        """The lead department sends the order back; the centre approves (re-dispatch to the
        department suggested), rejects, or has not decided yet (``approve`` None)."""
        holder = self._lead(order)
        row = plan.candidate.row
        suggested: str | None
        if approve is False:
            suggested, reason = None, SEND_BACK_UNCLEAR
        elif holder.code != row.department:
            suggested = row.department
            reason = SEND_BACK.format(
                topic=taxonomy.topic(row.topic).name,
                department=taxonomy.department(row.department).name,
            )
        else:  # a disputed responsibility: the department names the neighbouring topic's
            second = plan.candidate.second_topic
            suggested = taxonomy.lead_department(second)
            if suggested == holder.code:
                suggested, reason = None, SEND_BACK_UNCLEAR
            else:
                reason = SEND_BACK_DISPUTED.format(
                    topic=taxonomy.topic(second).name,
                    department=taxonomy.department(suggested).name,
                )
        self.at(moment)
        request = services.send_back(
            actor=self.clerk(holder.code), order=order, reason_text=reason, suggested_code=suggested
        )
        self.stats["send-backs"] += 1
        if approve is None:
            return moment
        moment += dt.timedelta(hours=self.rng.uniform(0.5, 6))
        self.at(moment)
        services.review_send_back(
            actor=self.staff.agent,
            send_back=request,
            approve=approve,
            note="" if approve else SEND_BACK_REJECTED,
        )
        return moment

    def extension(self, order: WorkOrder, moment: dt.datetime, plan: Plan) -> dt.datetime:
        lead = self._lead(order)
        amount = self.rng.choice((3, 5, 5, 10))
        self.at(moment)
        request = services.request_extension(
            actor=self.clerk(lead.code),
            order=order,
            reason_text=EXTENSION.format(amount=amount),
            amount=amount,
            unit=DeadlineUnit.WORKING_DAYS,
        )
        self.stats["extensions"] += 1
        if plan.state == "extension":
            return moment
        moment += dt.timedelta(hours=self.rng.uniform(1, 8))
        self.at(moment)
        services.decide_extension(
            actor=self.staff.agent, extension=request, approve=True, note="同意延期，请按期办结。"
        )
        return moment

    def reply(self, order: WorkOrder, plan: Plan, moment: dt.datetime) -> None:
        held_now = self._held(order)
        lead = held_now[0].department
        for held in held_now:
            if held.role == AssignmentRole.SUPPORT:
                self.at(moment - dt.timedelta(minutes=self.rng.uniform(10, 50)))
                services.reply(
                    actor=self.clerk(held.department.code),
                    order=order,
                    content=SUPPORT_REPLY.format(department=held.department.name),
                )
        self.at(moment)
        services.reply(actor=self.clerk(lead.code), order=order, content=self._answer(plan, lead))

    def _answer(self, plan: Plan, lead: Department) -> str:
        row = plan.candidate.row
        title = plan.candidate.title
        if plan.category == Category.CONSULTATION:
            article = self.article(row.topic)
            body = article.body.split("\n\n")[0] if article else "已电话告知办理流程和所需材料。"
            return (
                f"您好！关于您咨询的问题，经{lead.name}核实，答复如下：{body}"
                "如有疑问，可再次拨打12345。"
            )
        if plan.category == Category.PRAISE:
            return "您好！感谢您的肯定和鼓励，我们已将您的表扬转达相关单位和工作人员。"
        if plan.category == Category.SUGGESTION:
            return (
                f"您好！感谢您提出的建议。{lead.name}已认真研究，相关意见将在下一步工作中统筹考虑，"
                "并已转交有关业务处室。"
            )
        action = self.rng.choice(ACTIONS[row.topic[:2]])
        return (
            f"您好！您反映的“{title}”问题已收悉。经{lead.name}核查，{action}。"
            "感谢您对我市工作的关心和支持。"
        )

    def article(self, topic_code: str | None) -> KnowledgeArticle | None:
        """The first published article of the topic (of no topic: the centre's own)."""
        if topic_code not in self.articles:
            self.articles[topic_code] = (
                KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED)
                .filter(topic__code=topic_code)
                .order_by("pk")
                .first()
                if topic_code
                else KnowledgeArticle.objects.filter(
                    status=ArticleStatus.PUBLISHED, topic__isnull=True
                )
                .order_by("pk")
                .first()
            )
        return self.articles[topic_code]

    def feedback(self, order: WorkOrder, plan: Plan, moment: dt.datetime) -> None:
        self.at(moment)
        if plan.state == "reopened":
            score = self.rng.choice((1, 2))
        else:
            score = self.rng.choices(list(SCORES), list(SCORES.values()))[0]
        comment = self.rng.choice(COMMENTS[score])
        self.stats[f"score {score}"] += 1
        if plan.citizen is not None:
            services.rate(actor=plan.citizen, order=order, score=score, comment=comment)
        else:
            services.record_callback(
                actor=self.staff.agent,
                order=order,
                score=score,
                resolved=score >= 3,
                comment=comment,
            )

    def supervised(self, order: WorkOrder) -> WorkOrder:
        """An order past its due time is urged by the supervisor (most of them); the first
        one long overdue is raised to the higher level too."""
        due = WorkOrder.objects.filter(pk=order.pk).values_list("due_at", flat=True).first()
        if due is None or due > self.now - dt.timedelta(hours=1):
            return order
        if self.rng.random() > 0.8:
            return order
        moment = due + dt.timedelta(hours=self.rng.uniform(1, 20))
        self.at(moment)
        services.supervise(actor=self.staff.supervisor, order=order, note=SUPERVISION)
        self.stats["supervisions"] += 1
        if not self.escalated:
            self.at(min(moment + dt.timedelta(hours=20), self.now - dt.timedelta(minutes=10)))
            services.supervise(
                actor=self.staff.supervisor, order=order, note=ESCALATION, escalate=True
            )
            self.escalated = True
            self.stats["escalations"] += 1
        return order

    def answer_from_knowledge(self, order: WorkOrder, plan: Plan, steps: _Steps) -> WorkOrder:
        row = plan.candidate.row
        article = self.article(row.topic) or self.article(None)
        if article is None:
            return order
        moment = plan.created + dt.timedelta(minutes=self.rng.uniform(2, 10))
        self.at(moment)
        services.answer_from_article(actor=self.staff.agent, order=order, article=article)
        if self.rng.random() < 0.5:
            self.feedback(order, plan, steps.next(moment, "feedback"))
        return order

    # merged pairs ------------------------------------------------------------------------

    def _pairs(self) -> list[tuple[Plan, Plan]]:
        pairs = []
        for index in range(MERGED_PAIRS):
            first = self.pick(lambda c: c.confident and c.right and c.topic == c.row.topic)

            def same(c: Candidate, f: Candidate = first) -> bool:
                return c.confident and c.row.topic == f.row.topic and c.topic == c.row.topic

            def nearby(c: Candidate, f: Candidate = first) -> bool:
                return same(c) and c.row.region == f.row.region

            try:
                second = self.pick(nearby)
            except LookupError:
                second = self.pick(same)
            created = self.now - dt.timedelta(hours=self.rng.uniform(24 * 3, 24 * 20))
            target = Plan("merge_target", first, Channel.PHONE, created)
            duplicate = Plan(
                "merged",
                second,
                Channel.PHONE if index else Channel.WEB,
                created + dt.timedelta(hours=self.rng.uniform(2, 30)),
                citizen=self.staff.citizens.get("lina") if index == 0 else None,
            )
            if duplicate.citizen is not None:
                duplicate.channel = Channel.MOBILE
            pairs.append((target, duplicate))
        return pairs

    def merged_pair(self, target_plan: Plan, duplicate_plan: Plan) -> None:
        """Two callers about the same problem: the second order is merged into the first,
        which is then answered and (for two of the pairs) closed; each citizen gets the
        answer."""
        target = self.create(target_plan)
        self.sign(target, target_plan.created + dt.timedelta(hours=1))
        duplicate = self.create(duplicate_plan, near=target)
        moment = duplicate_plan.created + dt.timedelta(hours=self.rng.uniform(0.5, 3))
        self.at(moment)
        services.merge(actor=self.staff.agent, target=target, orders=[duplicate])
        self.stats["merged"] += 1
        moment += dt.timedelta(hours=self.rng.uniform(24, 72))
        if moment > self.now:
            return
        self.reply(target, target_plan, moment)
        moment += dt.timedelta(hours=self.rng.uniform(2, 12))
        if moment > self.now:
            return
        self.at(moment)
        if target_plan.category != Category.CONSULTATION:
            services.complete(actor=self.staff.agent, order=target)
        moment += dt.timedelta(hours=self.rng.uniform(4, 24))
        if moment < self.now and self.rng.random() < 0.7:
            self.feedback(target, target_plan, moment)


def load_orders(actor: Any, staff: Staff) -> str:
    """About 290 orders; skipped when the demo agent's orders are there already."""
    if WorkOrder.objects.filter(created_by=staff.agent).exists():
        count = WorkOrder.objects.count()
        return f"hotline: work orders kept ({count} there)"
    started = time.monotonic()
    orders = Orders(actor, staff, timezone.now())
    stats = orders.run()
    by_status = Counter(WorkOrder.objects.values_list("status", flat=True))
    states = ", ".join(f"{status} {by_status[status]}" for status in OrderStatus.values)
    extra = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()))
    return (
        f"hotline: {sum(by_status.values())} work orders created in "
        f"{time.monotonic() - started:.1f} s ({states}; {extra})"
    )


# --- helpers ----------------------------------------------------------------------------------

#: Openers and places a title leaves out.
_SKIP = (
    "喂",
    "你好",
    "您好",
    "那个",
    "嗯",
    "呃",
    "就是说",
    "怎么讲呢",
    "你晓得吧",
    "市长",
    "尊敬的",
    "我要反映",
    "反映问题",
    "实名举报",
    "我打电话",
    "地址在",
    "我住在",
    "我家住",
    "在",
    "是12345",
    "还有",
    "另外",
    "我是",
    "反映一个",
    "我要投",
    "我想反映",
    "我跟你说",
    "请问一下",
    "想咨询一下",
    "从上个月",
    "每年都是",
    "实在忍不",
)


@functools.cache
def _keywords() -> frozenset[str]:
    return frozenset(k for t in taxonomy.leaf_topics() for k in t.keywords)


def _title(text: str) -> str:
    """A short title as an agent would write it: of the request's first clauses (without
    greetings and bare places), the one naming most of what hotlines hear about."""
    clauses = [c.strip(" ：:") for c in _split(text)]
    useful = [c for c in clauses[:8] if len(c) >= 5 and not c.startswith(_SKIP)]
    if not useful:
        useful = clauses[:1]
    best = max(useful, key=lambda c: (sum(k in c for k in _keywords()), -useful.index(c)))
    return best[:28] + ("…" if len(best) > 28 else "")


def _split(text: str) -> list[str]:
    parts, current = [], ""
    for char in text:
        if char in "，。！？；：,!?;:\n":
            if current.strip():
                parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts or [text]


def _age(rng: random.Random, state: str) -> float:
    """How many hours ago an order in ``state`` was filed."""
    day = 24.0
    if state == "received":
        return rng.uniform(0.1, 20)
    if state == "dispatched":
        return rng.uniform(0.3, 18) if rng.random() < 0.75 else rng.uniform(24, 100)
    ranges = {
        "knowledge": (1, DAYS * day - 2),
        "in_progress": (8, 14 * day),
        "send_back": (3, 4 * day),
        "extension": (2 * day, 12 * day),
        "replied": (1 * day, 12 * day),
        "completed": (2 * day, 18 * day),
        "closed": (3 * day, DAYS * day - 2),
        "reopened": (6 * day, 25 * day),
    }
    low, high = ranges[state]
    return rng.uniform(low, high)


class _Steps:
    """Each next step of an order's life, some hours after the last; scaled down when the
    whole life would not fit between its filing and now."""

    NATURAL: dict[str, tuple[float, float]] = {
        "dispatch": (0.1, 1.5),
        "sign": (0.2, 3.5),
        "extension": (20, 72),
        "reply": (12, 24 * 7),
        "complete": (1, 20),
        "feedback": (3, 48),
        "reopen": (1, 30),
    }

    def __init__(self, rng: random.Random, category: str, span_hours: float) -> None:
        self.rng = rng
        natural = dict(self.NATURAL)
        if category == Category.CONSULTATION:
            natural["reply"] = (3, 40)
        elif category == Category.COMPLAINT:
            natural["reply"] = (24, 24 * 9)
        planned = {k: rng.uniform(*v) for k, v in natural.items()}
        total = sum(planned.values())
        scale = min(1.0, span_hours * 0.95 / total) if total else 1.0
        self.hours = {k: v * scale for k, v in planned.items()}

    def next(self, moment: dt.datetime, step: str) -> dt.datetime:
        return moment + dt.timedelta(hours=self.hours[step])


def _steps(rng: random.Random, plan: Plan, span_hours: float) -> _Steps:
    return _Steps(rng, plan.category, span_hours)


def _png(rng: random.Random) -> bytes:
    """A small photo-like PNG: a street scene of blocks in muted colours."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (rng.randrange(150, 210),) * 3)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 150, 320, 240), fill=(rng.randrange(80, 120),) * 3)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(40, 170)
        colour = (rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200))
        draw.rectangle((x, y, x + rng.randrange(20, 80), y + rng.randrange(20, 70)), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
