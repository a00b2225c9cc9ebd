"""Fixtures of the hotline demo's and the engine-gap tests: a routing model trained once per
test session (by the demo's own ``ensure_model``), copied into each test's data directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from yiwang.hotline import classifier


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model file ``demo.ensure_model`` trains into an empty data directory."""
    from yiwang.hotline import demo

    data = tmp_path_factory.mktemp("hotline-model")
    with override_settings(DATA_DIR=data):
        said = demo.ensure_model()
    classifier.forget()
    assert "trained on" in said, said
    return data / "hotline" / classifier.MODEL_FILE


@pytest.fixture
def data_dir_with_model(settings: Any, tmp_path: Path, trained_model: Path) -> Iterator[Path]:
    """This test's data directory, holding a copy of the trained model."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    target = tmp_path / "hotline" / classifier.MODEL_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trained_model, target)
    settings.DATA_DIR = tmp_path
    classifier.forget()
    yield tmp_path
    classifier.forget()
