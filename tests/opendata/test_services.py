"""Open-data services: datasets, versions, validation, resources, tokens."""

from __future__ import annotations

from typing import Any

from yiwang.opendata import services
from yiwang.opendata.models import Dataset, DatasetVersion


def test_create_dataset_makes_version_one(od_dataset: Any) -> None:
    assert od_dataset.version == 1
    assert DatasetVersion.objects.filter(dataset=od_dataset, version=1).exists()
    package = services.package_dict(Dataset.objects.get(pk=od_dataset.pk))
    assert package["organization"]["name"] == "4201-sjj"
    assert [t["name"] for t in package["tags"]] == ["交通", "公交"]
    assert package["resources"][0]["format"] == "API"
