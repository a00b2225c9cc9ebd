"""Deterministic demo data of the kernel: Hubei's regions (a public extract of the national
statistical division codes) and a few departments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yiwang.kernel import services
from yiwang.kernel.models import Department, Region

REGIONS_CSV = Path(__file__).parent / "fixtures" / "regions_hubei.csv"

#: (code, name, region code)
DEPARTMENTS = [
    ("42-ZWSJ", "湖北省政务服务和大数据管理局", "42"),
    ("42-SCJG", "湖北省市场监督管理局", "42"),
    ("4201-ZWSJ", "武汉市政务服务和大数据管理局", "4201"),
    ("4201-SCJG", "武汉市市场监督管理局", "4201"),
    ("4201-RSJ", "武汉市人力资源和社会保障局", "4201"),
    ("4201-GAJ", "武汉市公安局", "4201"),
    ("420106-SCJG", "武昌区市场监督管理局", "420106"),
    ("420106-ZWSJ", "武昌区政务服务和大数据管理局", "420106"),
    ("4205-SCJG", "宜昌市市场监督管理局", "4205"),
    ("4206-SCJG", "襄阳市市场监督管理局", "4206"),
]


def load(actor: Any, say: Any) -> None:
    result = services.import_regions(REGIONS_CSV.read_bytes(), actor=actor)
    say(f"regions: {result.created} created, {result.unchanged + result.updated} kept")
    created = 0
    for code, name, region_code in DEPARTMENTS:
        if not Department.objects.filter(code=code).exists():
            services.create_department(
                actor=actor, code=code, name=name, region=Region.objects.get(code=region_code)
            )
            created += 1
    say(f"departments: {created} created, {len(DEPARTMENTS) - created} kept")
