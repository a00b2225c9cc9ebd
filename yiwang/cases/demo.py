"""Demo cases, so the workbench and "my cases" show real work after ``yiwang demo``: the demo
citizens apply to 武昌区市场监督管理局 through the same services as the pages, and the demo
window clerk and approver act on some of the cases.

* 李娜 — 个体工商户设立登记, submitted, waiting in the intake queue;
* 王芳 — 个体工商户设立登记, supplement requested (一次性告知);
* 张伟 — 食品经营许可, accepted, at the review step of its process;
* 张伟 — 个体工商户设立登记, approved and completed.

Safe to run again: a case whose demo idempotency key exists is left as it is."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from yiwang.cases import handling, paperless, services
from yiwang.cases.models import Case, TaskStatus
from yiwang.kernel.demo import PERSONS, person_id_number

SOLE_TRADER = "011001001000.420106-SCJG"
FOOD_LICENCE = "011003001000.420106-SCJG"
DEMO_ENTITY = "91420106MA4K00001J"  # 武汉长江餐饮管理有限公司, represented by 张伟
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PEOPLE = {
    username: {"name": name, "id_number": person_id_number(birth, seq), "mobile": mobile}
    for username, mobile, (name, birth, seq) in (
        ("zhangwei", "13700000001", PERSONS[0]),
        ("wangfang", "13700000002", PERSONS[1]),
        ("lina", "13700000003", PERSONS[2]),
    )
}


def _value(name: str, spec: dict[str, Any], person: dict[str, str]) -> Any:
    """A plausible answer for one form field, by what it means and its type."""
    meaning = str(spec.get("x-meaning", ""))
    if "enum" in spec:
        return spec["enum"][0]
    kind = spec.get("type", "string")
    if kind == "array":
        items = spec.get("items", {})
        return [items["enum"][0]] if "enum" in items else [_value(name, items, person)]
    if kind in ("integer", "number"):
        return max(int(spec.get("minimum", 1)), 60)
    if kind == "boolean":
        return True
    if spec.get("format") == "date":
        return (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    if meaning.endswith(".name") or (name.endswith("name") and "applicant" in meaning):
        return person["name"]
    if "credit_code" in meaning or "credit_code" in name:
        return DEMO_ENTITY
    if "id_number" in meaning or "id_number" in name:
        return person["id_number"]
    if "mobile" in meaning or "phone" in name or "mobile" in name:
        return person["mobile"]
    if spec.get("pattern"):
        return person["mobile"]
    text = "武汉市武昌区中北路 88 号" if "address" in meaning or "address" in name else "示例"
    minimum = int(spec.get("minLength", 0))
    return text.ljust(minimum, "号")


def fill_form(schema: dict[str, Any], person: dict[str, str]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {name: _value(name, spec, person) for name, spec in properties.items()}


def _apply(username: str, implementation: str, key: str) -> Case | None:
    applicant = get_user_model().objects.filter(username=username).first()
    if applicant is None:
        return None
    existing: Case | None = Case.objects.filter(applicant=applicant, idempotency_key=key).first()
    if existing is not None:
        return None
    case = services.start(actor=applicant, implementation_code=implementation)
    version = services.version_of(case)
    services.save_form(
        actor=applicant, case=case, form_data=fill_form(version.form_schema, PEOPLE[username])
    )
    for material in case.materials.all():
        requirement = version.materials.get(code=material.code)
        if requirement.license_type and paperless.offer(case, requirement.license_type):
            # The applicant holds a valid e-licence of the type: consent to it (免提交).
            paperless.use_licence(actor=applicant, case=case, code=material.code)
        elif requirement.license_type or not requirement.exempt_possible:
            # Met by shared data needs nothing; anything else (a licence-typed material
            # without a licence held included) is uploaded.
            services.attach(
                actor=applicant,
                case=case,
                code=material.code,
                stream=io.BytesIO(PDF),
                name=f"{material.name}.pdf",
            )
    return services.submit(actor=applicant, case=case, idempotency_key=key)


def load(actor: Any, say: Any) -> None:
    users = get_user_model().objects
    clerk = users.filter(username="clerk").first()
    approver = users.filter(username="approver").first()
    if clerk is None or approver is None:
        say("cases: the demo clerk and approver are missing; no demo cases")
        return
    made = 0
    if _apply("lina", SOLE_TRADER, "demo-waiting") is not None:
        made += 1
    case = _apply("wangfang", SOLE_TRADER, "demo-supplement")
    if case is not None:
        services.request_supplement(
            actor=clerk,
            case=case,
            items=[
                {"field": "materials.M03", "reason": "经营场所使用证明需加盖产权人印章"},
                {"field": "form/shop_name", "reason": "名称与经营场所招牌不一致,请核对"},
            ],
        )
        made += 1
    case = _apply("zhangwei", FOOD_LICENCE, "demo-review")
    if case is not None:
        services.accept(actor=clerk, case=case)
        made += 1
    case = _apply("zhangwei", SOLE_TRADER, "demo-completed")
    if case is not None:
        services.accept(actor=clerk, case=case)
        for _step in range(10):
            task = case.tasks.filter(status=TaskStatus.OPEN).first()
            if task is None:
                break
            handling.complete_task(
                actor=approver, task=task, outcome="approve", opinion="材料齐全,符合法定形式"
            )
        made += 1
    say(f"cases: {made} demo cases created ({Case.objects.count()} in all)")
