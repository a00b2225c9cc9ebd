"""Demo seals, so the documents the demo issues come out sealed: a 行政审批专用章 for each
department that has demo cases or issues demo licences, authorised for acceptance notices,
decisions and licence issuance, registered by the demo platform administrator.

Loaded before the cases demo (``yiwang.seals`` precedes ``yiwang.cases`` in INSTALLED_APPS).
Safe to run again: a department that already has a business seal keeps it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from yiwang.kernel.models import Department
from yiwang.seals import services
from yiwang.seals.models import Seal, SealKind

#: 武昌区市场监督管理局 has the demo cases and issues the business licences; the other two
#: issue the demo's civil-affairs and police licences (see yiwang/licenses/demo.py).
DEPARTMENTS = ("420106-SCJG", "4201-ZWSJ", "4201-GAJ")
PURPOSES = ["cases.acceptance", "cases.decision", "licenses.issue"]


def load(actor: Any, say: Any) -> None:
    admin = get_user_model().objects.filter(username="admin", is_staff=True).first()
    if admin is None:
        say("seals: the demo platform administrator is missing; no demo seals")
        return
    made, kept = [], 0
    for department in Department.objects.filter(code__in=DEPARTMENTS).order_by("code"):
        if Seal.objects.filter(department=department, kind=SealKind.BUSINESS).exists():
            kept += 1
            continue
        seal = services.register_seal(
            actor=admin,
            department=department,
            name=f"{department.name}行政审批专用章",
            kind=SealKind.BUSINESS,
            automatic_purposes=PURPOSES,
        )
        made.append(seal.code)
    say(f"seals: {len(made)} registered ({', '.join(made) or 'none'}), {kept} kept")
