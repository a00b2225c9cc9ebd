from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("事项目录")

    def ready(self) -> None:
        from yiwang.catalog import permissions

        permissions.register()
