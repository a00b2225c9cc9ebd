from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the deterministic demo data of every module (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Each Yiwang app may have a demo.py with load(actor, say); apps load in the order of
        # INSTALLED_APPS, so a module's demo can use what the ones before it loaded.
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("yiwang."):
                    continue
                if find_spec(f"{config.name}.demo") is None:
                    continue
                module = import_module(f"{config.name}.demo")
                module.load(actor="demo", say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
