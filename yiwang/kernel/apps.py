from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "yiwang.kernel"
    label = "kernel"
    verbose_name = _("平台内核")

    def ready(self) -> None:
        from yiwang.kernel import checks  # noqa: F401  (registers system checks)
