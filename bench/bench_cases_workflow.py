"""Working the steps of accepted cases through their BPMN process, in process, against
updating the same task row and inserting one history row with no engine; for processes of 6,
12 and 24 steps, to show how the cost of a step grows with the length of the process.

Ours: ``handling.complete_task(outcome="approve")`` on the next open step of a case, as a
handler works it: the case and the step are locked, the SpiffWorkflow state loaded from
``Case.workflow_state``, the step run, the gateways passed, the state saved, the open steps
synchronised (both reviews of the parallel gateway open at once, one of them in another
department's queue), the timeline event and audit row written; the last step completes the
case (decision, result document, notice, ``cases.completed``).

Baseline: the least work with the same visible effect: in one transaction, find the case's
next open step, mark it done, insert one history row; on tables of the same columns and
indexes as ``CaseTask`` and ``CaseEvent`` (``bench_wf_task``, ``bench_wf_event``), with
every step of every case there from the start.

The processes are generated (:func:`process_bpmn`) and published through the catalogue as
real implementations: the window clerk accepts (受理, done by ``services.accept`` when the
case is set up, not timed), approvers review in sequence, a parallel gateway opens the joint
review (并联审批) by the handling department's approver and by 武汉市生态环境局 (lane
``approver@4201-HB``), then the decision and the window's issue of the result. Cases are
worked one after another, every step of one case before the next, so each round holds whole
cases (early and late steps alike). One line per process size, then how the cost grows:

    cases_workflow_6: ratio 0.06 (ours 40.1/s, baseline 650/s)
    cases_workflow_12: ...
    cases_workflow_24: ...
    cases_workflow growth: ms per step 60.1 (6 steps), 61.0 (12 steps), 63.2 (24 steps);
    12/6 1.01x; 24/6 1.05x; tasks/s with the completing step 11.9 (6), 14.0 (12), 15.1 (24)

``BENCH_WORKFLOW_SIZES`` (default ``6,12,24``) chooses the sizes. With the default 9 rounds
(and one warm-up round) the 6-step process runs 1,000 cases. ``BENCH_WORKFLOW_QUICK=1`` runs a
tenth as many cases (a smoke run; the figures are rough).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import harness  # first: it sets up Django
from cases_data import World, drafts_for, publish, world
from cases_data import citizens as make_citizens
from django.apps.registry import Apps
from django.db import connection, models, transaction
from django.utils import timezone

from yiwang.cases import handling
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, CaseStatus, CaseTask, Decision, TaskStatus
from yiwang.catalog.process import BPMN_NS
from yiwang.kernel import audit

logging.getLogger("yiwang.kernel.sms").setLevel(logging.WARNING)  # the local gateway logs each

ROUNDS = 9
WARMUP_ROUNDS = 1
SIZES = tuple(int(s) for s in os.environ.get("BENCH_WORKFLOW_SIZES", "6,12,24").split(","))
#: Whole cases per round: 100 × 10 rounds (one of them warm-up) = the issue's 1,000 cases of
#: the 6-step process; fewer of the longer ones (about 1,100 steps each), for the growth.
CASES_PER_ROUND = {6: 100, 12: 10, 24: 5}
if os.environ.get("BENCH_WORKFLOW_QUICK", "") not in {"", "0"}:  # a smoke run of the script
    CASES_PER_ROUND = {6: 10, 12: 2, 24: 1}


# --- the process -----------------------------------------------------------------------------


def process_bpmn(steps: int, other_department: str) -> str:
    """A process of ``steps`` user tasks (at least 5): 受理 by the window, sequential reviews,
    a parallel gateway with one review in the handling department and one in
    ``other_department`` (lane ``approver@<code>``), then sequential steps, the decision and
    the window's issue of the result."""
    if steps < 5:
        raise ValueError("a process with a joint review has at least 5 steps")
    before = (steps - 2) // 2  # 受理 and the reviews before the joint review
    after = steps - 2 - before  # the steps after it, the decision and the issue included
    clerk, approver, joint = "window_clerk", "approver", f"approver@{other_department}"
    first = [("accept", "受理", clerk)] + [
        (f"review_{n}", f"审查 {n}", approver) for n in range(1, before)
    ]
    parallel = [("joint_own", "本部门会审", approver), ("joint_other", "联合审查", joint)]
    last = [(f"check_{n}", f"复核 {n}", approver) for n in range(1, after - 1)] + [
        ("decide", "决定", approver),
        ("issue", "制证发证", clerk),
    ]
    tasks = first + parallel + last
    lanes: dict[str, list[str]] = {clerk: ["start", "end"], approver: ["split", "join"], joint: []}
    for task_id, _name, lane in tasks:
        lanes[lane].append(task_id)

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="bench_definitions" '
        'targetNamespace="https://yiwang.example/bpmn">',
        f'  <bpmn:process id="bench_{steps}_steps" name="并联审批 {steps} 步" isExecutable="true">',
        '    <bpmn:laneSet id="lanes">',
    ]
    for n, (lane, refs) in enumerate(lanes.items()):
        lines.append(f'      <bpmn:lane id="lane_{n}" name="{lane}">')
        lines += [f"        <bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs]
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")
    lines.append('    <bpmn:startEvent id="start" name="提交申请" />')
    lines += [f'    <bpmn:userTask id="{task_id}" name="{name}" />' for task_id, name, _ in tasks]
    lines.append('    <bpmn:parallelGateway id="split" name="并联审批" />')
    lines.append('    <bpmn:parallelGateway id="join" name="会审完成" />')
    lines.append('    <bpmn:endEvent id="end" name="办结" />')
    flows = [
        *itertools.pairwise(["start", *[t for t, _n, _l in first], "split"]),
        *[("split", t) for t, _n, _l in parallel],
        *[(t, "join") for t, _n, _l in parallel],
        *itertools.pairwise(["join", *[t for t, _n, _l in last], "end"]),
    ]
    lines += [
        f'    <bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />'
        for a, b in flows
    ]
    lines += ["  </bpmn:process>", "</bpmn:definitions>", ""]
    return "\n".join(lines)


# --- the baseline's tables -------------------------------------------------------------------


def _plain(
    name: str, table: str, fields: dict[str, models.Field[Any, Any]], index: list[str]
) -> Any:
    """A model in its own app registry (never installed): its table is made by the
    benchmark in the throwaway database."""
    meta = type(
        "Meta",
        (),
        {
            "app_label": "bench",
            "db_table": table,
            "apps": Apps(),
            "indexes": [models.Index(fields=index, name=f"{table}_idx")],
        },
    )
    return type(name, (models.Model,), {"__module__": __name__, "Meta": meta, **fields})


def plain_models() -> tuple[Any, Any]:
    """``CaseTask`` and ``CaseEvent`` column for column (foreign keys as plain ids), with
    the task table's open-steps index."""
    task = _plain(
        "PlainTask",
        "bench_wf_task",
        {
            "case_id": models.BigIntegerField(),
            "task_id": models.CharField(max_length=36),
            "step": models.CharField(max_length=100),
            "name": models.CharField(max_length=200),
            "role": models.CharField(max_length=40),
            "department_id": models.BigIntegerField(),
            "status": models.CharField(max_length=10, default=TaskStatus.OPEN),
            "outcome": models.CharField(max_length=12, blank=True),
            "opinion": models.TextField(blank=True),
            "data": models.JSONField(default=dict),
            "created_at": models.DateTimeField(),
            "completed_at": models.DateTimeField(null=True),
            "completed_by_id": models.BigIntegerField(null=True),
        },
        ["case_id", "status"],
    )
    event = _plain(
        "PlainEvent",
        "bench_wf_event",
        {
            "case_id": models.BigIntegerField(),
            "at": models.DateTimeField(),
            "actor_id": models.BigIntegerField(null=True),
            "kind": models.CharField(max_length=40),
            "note": models.TextField(blank=True),
            "details": models.JSONField(default=dict),
        },
        ["case_id", "at"],
    )
    return task, event


# --- one size ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    steps: int
    cases: int
    tasks: int  # timed steps: every step but 受理
    tasks_per_second: float
    baseline_per_second: float
    ms_by_position: list[float]  # mean ms of the n-th timed step of a case


class CaseCursor:
    """Walks cases one after another, every open step of one before the next."""

    def __init__(self, case_ids: list[int], next_open: Callable[[int], Any]) -> None:
        self.case_ids = case_ids
        self.next_open = next_open
        self.index = 0
        self.position = 0  # the step of the current case about to be worked

    def step(self) -> tuple[Any, int]:
        while self.index < len(self.case_ids):
            found = self.next_open(self.case_ids[self.index])
            if found is not None:
                self.position += 1
                return found, self.position
            self.index += 1
            self.position = 0
        raise SystemExit("bench_cases_workflow: ran out of cases (sizing error)")


def prepare_cases(place: World, code: str, count: int, applicant: Any) -> list[int]:
    """``count`` cases submitted and accepted (受理 done), waiting for their first review."""
    started = time.perf_counter()
    ids = []
    for n, case in enumerate(
        drafts_for([applicant], code, count, upload=False, progress=_quiet)[0]
    ):
        case = cases.submit(actor=applicant, case=case, idempotency_key=f"wf-{case.pk}")
        case = cases.accept(actor=place.clerk, case=case)
        ids.append(case.pk)
        if (n + 1) % 100 == 0 or n + 1 == count:
            rate = (n + 1) / (time.perf_counter() - started)
            harness.log(f"bench: cases_workflow: {n + 1}/{count} cases accepted ({rate:.0f}/s)")
    return ids


def _quiet(message: str) -> None:
    pass


def run_size(place: World, steps: int, applicant: Any, plain_task: Any, plain_event: Any) -> Size:
    per_round = CASES_PER_ROUND.get(steps, max(1, 200 // steps))
    total = per_round * (harness.counted_rounds(ROUNDS) + WARMUP_ROUNDS)
    timed_steps = steps - 1
    code = publish(
        place,
        code=f"0001050{steps:02d}000",
        name=f"个体工商户设立登记(并联审批 {steps} 步)",
        process_bpmn=process_bpmn(steps, place.other.code),
        materials=[],
    )
    # One case more than the rounds work: its first step is the one whose SQL is counted.
    *case_ids, spare_id = prepare_cases(place, code, total + 1, applicant)
    open_now = CaseTask.objects.filter(case_id__in=case_ids, status=TaskStatus.OPEN).count()
    if open_now != total:
        raise SystemExit(f"bench_cases_workflow: {open_now} open steps after acceptance of {total}")

    # The baseline's rows: every timed step of as many cases, open, as ours will work.
    now = timezone.now()
    offset = plain_task.objects.count()
    plain_task.objects.bulk_create(
        (
            plain_task(
                case_id=offset + c,
                task_id=f"{c:08d}-{n:04d}",
                step=f"review_{n}",
                name=f"审查 {n}",
                role="approver",
                department_id=place.owning.pk,
                created_at=now,
            )
            for c in range(total + 1)
            for n in range(timed_steps)
        ),
        batch_size=2000,
    )
    *plain_ids, plain_spare = [offset + c for c in range(total + 1)]

    actors = {
        ("window_clerk", place.owning.pk): place.clerk,
        ("approver", place.owning.pk): place.approver,
        ("approver", place.other.pk): place.other_approver,
    }
    samples: dict[int, list[float]] = {}
    calls = itertools.count()
    warm_calls = per_round * timed_steps * WARMUP_ROUNDS

    def next_task(case_id: int) -> CaseTask | None:
        return (
            CaseTask.objects.select_related("case", "department")
            .filter(case_id=case_id, status=TaskStatus.OPEN)
            .order_by("id")
            .first()
        )

    def work(cursor: CaseCursor) -> int:
        task, position = cursor.step()
        handling.complete_task(
            actor=actors[(task.role, task.department_id)], task=task, outcome="approve"
        )
        return int(position)

    ours_cursor = CaseCursor(case_ids, next_task)

    def ours() -> None:
        started = time.perf_counter()
        position = work(ours_cursor)
        if next(calls) >= warm_calls:  # the warm-up round's steps are not counted
            samples.setdefault(position, []).append(time.perf_counter() - started)

    def next_plain(case_id: int) -> Any:
        return (
            plain_task.objects.filter(case_id=case_id, status=TaskStatus.OPEN)
            .order_by("id")
            .values_list("pk", "step")
            .first()
        )

    approver_id = place.approver.pk

    def plain_work(cursor: CaseCursor) -> None:
        with transaction.atomic():
            (pk, step), _position = cursor.step()
            at = timezone.now()
            plain_task.objects.filter(pk=pk).update(
                status=TaskStatus.DONE,
                outcome="approve",
                completed_at=at,
                completed_by_id=approver_id,
            )
            plain_event.objects.create(
                case_id=cursor.case_ids[cursor.index],
                at=at,
                actor_id=approver_id,
                kind="task_completed",
                details={"step": step, "outcome": "approve", "department": place.owning.name},
            )

    plain_cursor = CaseCursor(plain_ids, next_plain)

    def baseline() -> None:
        plain_work(plain_cursor)

    ours_sql = harness.statements(lambda: work(CaseCursor([spare_id], next_task)))
    plain_sql = harness.statements(lambda: plain_work(CaseCursor([plain_spare], next_plain)))
    harness.log(
        f"bench: cases_workflow_{steps}: one step sends {len(ours_sql)} statements (its look-up "
        f"included), the baseline {len(plain_sql)}"
    )

    result = harness.compare(
        f"cases_workflow_{steps}",
        ours,
        baseline,
        ops_per_round=per_round * timed_steps,
        rounds=ROUNDS,
        warmup_rounds=WARMUP_ROUNDS,
    )
    check(steps, case_ids, plain_task, plain_ids)
    by_position = [1000 * statistics.mean(samples[p]) for p in sorted(samples)]
    state = Case.objects.filter(pk=case_ids[-1]).values_list("workflow_state", flat=True).get()
    harness.log(
        f"bench: cases_workflow_{steps}: {total} cases, {total * timed_steps} steps; a finished "
        f"case's workflow state {len(json.dumps(state)) / 1024:.0f} KB; mean ms by step: "
        + ", ".join(f"{ms:.1f}" for ms in by_position)
    )
    return Size(
        steps=steps,
        cases=total,
        tasks=total * timed_steps,
        tasks_per_second=result.ours,
        baseline_per_second=result.baseline,
        ms_by_position=by_position,
    )


def check(steps: int, case_ids: list[int], plain_task: Any, plain_ids: list[int]) -> None:
    """Every case went through every step and was approved; the baseline did every step."""
    approved = Case.objects.filter(
        pk__in=case_ids, status=CaseStatus.COMPLETED, decision=Decision.APPROVE
    ).count()
    done = CaseTask.objects.filter(case_id__in=case_ids, status=TaskStatus.DONE).count()
    still_open = CaseTask.objects.filter(case_id__in=case_ids, status=TaskStatus.OPEN).count()
    timeline = CaseEvent.objects.filter(case_id__in=case_ids, kind="task_completed").count()
    total = len(case_ids)
    if approved != total or done != total * steps or still_open or timeline != total * (steps - 1):
        raise SystemExit(
            f"bench_cases_workflow: {steps} steps: {approved}/{total} approved, {done} steps "
            f"done, {still_open} open, {timeline} timeline rows"
        )
    plain_open = plain_task.objects.filter(case_id__in=plain_ids, status=TaskStatus.OPEN).count()
    if plain_open:
        raise SystemExit(f"bench_cases_workflow: the baseline left {plain_open} steps open")


def main() -> None:
    place = world()
    applicant = make_citizens(1)[0]
    plain_task, plain_event = plain_models()
    with connection.schema_editor() as editor:
        editor.create_model(plain_task)
        editor.create_model(plain_event)
    sizes = [run_size(place, steps, applicant, plain_task, plain_event) for steps in SIZES]

    verified = audit.verify()
    if not verified.ok:
        raise SystemExit(f"bench_cases_workflow: the audit chain does not verify: {verified}")
    report_growth(sizes)


def report_growth(sizes: list[Size]) -> None:
    """How the cost of a step grows with the length of the process: the mean time of the
    steps that do not complete the case (the completing one also makes the decision
    document, whatever the length), each size against the smallest. 1.00x is flat; a step
    whose cost is linear in the process's length (a whole case quadratic) would come near
    4x for 24 steps against 6. Then, within each size, its first steps against its last
    ones: the same question asked of the history a case has gathered."""
    first = sizes[0]
    cost = {s.steps: statistics.mean(s.ms_by_position[:-1]) for s in sizes}
    print(
        "cases_workflow growth: ms per step "
        + ", ".join(f"{cost[s.steps]:.1f} ({s.steps} steps)" for s in sizes)
        + "".join(
            f"; {s.steps}/{first.steps} {cost[s.steps] / cost[first.steps]:.2f}x" for s in sizes[1:]
        )
        + "; tasks/s with the completing step "
        + ", ".join(f"{s.tasks_per_second:.1f} ({s.steps})" for s in sizes),
        flush=True,
    )
    for s in sizes:
        middle = s.ms_by_position[:-1]
        third = max(1, len(middle) // 3)
        harness.log(
            f"bench: cases_workflow_{s.steps}: first third of the steps "
            f"{statistics.mean(middle[:third]):.1f} ms, last third "
            f"{statistics.mean(middle[-third:]):.1f} ms, the completing step "
            f"{s.ms_by_position[-1]:.1f} ms; baseline {1000 / s.baseline_per_second:.2f} ms"
        )


if __name__ == "__main__":
    with harness.test_database():
        main()
