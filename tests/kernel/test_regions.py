"""Region import: all or nothing, every bad line reported, re-import is harmless."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.kernel import services
from yiwang.kernel.demo import REGIONS_CSV
from yiwang.kernel.errors import ImportRefused
from yiwang.kernel.models import Region

pytestmark = pytest.mark.django_db


def test_demo_extract_imports_five_levels_of_hubei() -> None:
    result = services.import_regions(REGIONS_CSV.read_bytes(), actor="test")
    assert result.created == Region.objects.count()
    assert Region.objects.get(code="42").name == "湖北省"
    levels = set(Region.objects.values_list("level", flat=True))
    assert levels == {"province", "city", "county", "township", "village"}
    assert Region.objects.filter(level="city").count() >= 3
    for city in Region.objects.filter(level="city")[:3]:
        assert city.children.count() >= 2
    village = Region.objects.filter(level="village").first()
    assert village is not None
    assert village.parent is not None and village.parent.level == "township"
    assert village.code.startswith(village.parent.code)


def test_reimport_updates_names_and_creates_nothing() -> None:
    services.import_regions("code,name\n42,湖北省\n4201,武汉市\n", actor="test")
    result = services.import_regions("code,name\n42,湖北省\n4201,武汉市(新名)\n", actor="test")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Region.objects.get(code="4201").name == "武汉市(新名)"


def test_parents_may_come_later_in_the_file_or_already_exist() -> None:
    services.import_regions("code,name\n420106,武昌区\n4201,武汉市\n42,湖北省\n", actor="test")
    services.import_regions("code,name\n420107,青山区\n", actor="test")
    assert Region.objects.get(code="420107").parent_id == "4201"


@pytest.mark.parametrize(
    ("csv_text", "codes"),
    [
        ("code,name\n42,湖北省\n4299,无\n429901,有\n4298x,坏\n", ["region_code_format"]),
        ("code,name\n42,湖北省\n42,湖北\n", ["region_duplicate"]),
        ("code,name\n430102,芙蓉区\n", ["region_parent_unknown"]),
        ("code,name,level\n42,湖北省,city\n", ["region_level_mismatch"]),
        ("code,name,parent_code\n42,湖北省,\n4201,武汉市,43\n", ["region_parent_mismatch"]),
        ("code,name\n42,\n", ["region_csv_malformed"]),
        ("id,title\n42,湖北省\n", ["region_csv_malformed"]),
    ],
)
def test_malformed_files_are_refused_whole(csv_text: str, codes: list[str]) -> None:
    with pytest.raises(ImportRefused) as info:
        services.import_regions(csv_text, actor="test")
    assert [e["code"] for e in info.value.details["errors"]] == codes
    assert all(e["line"] >= 1 for e in info.value.details["errors"])
    assert not Region.objects.exists()


def test_not_utf8_is_refused() -> None:
    with pytest.raises(ImportRefused):
        services.import_regions("code,name\n42,湖北省\n".encode("gbk"), actor="test")


def test_command_reports_lines(tmp_path: Path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n4x,坏\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 2: \[region_code_format\]"):
        call_command("regions", "import", str(bad))
    assert not Region.objects.exists()
