import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: Action modules of the other parts: each registers its actions when imported; one not yet
#: written is skipped.
_OPTIONAL_ACTIONS = ("actions_datastore", "actions_participation")


class OpendataConfig(AppConfig):
    name = "yiwang.opendata"
    label = "opendata"
    verbose_name = _("数据开放")

    def ready(self) -> None:
        from yiwang.opendata import actions_core, permissions  # noqa: F401

        permissions.register()
        for module in _OPTIONAL_ACTIONS:
            try:
                importlib.import_module(f"yiwang.opendata.{module}")
            except ModuleNotFoundError as error:
                if error.name != f"yiwang.opendata.{module}":
                    raise
