from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "yiwang.exchange"
    label = "exchange"
    verbose_name = _("数据共享交换")

    def ready(self) -> None:
        from yiwang.exchange import (  # noqa: F401
            cascade_events,
            permissions,
            subscribers,
        )

        permissions.register()
