"""Django admin pages that write the audit trail like every other state change.

Admin forms change state outside the services, so every admin class of a Yiwang model
derives from :class:`AuditedModelAdmin`: each add, change and delete is one transaction with
its audit row (``admin.added`` / ``admin.changed`` / ``admin.deleted``, naming the changed
fields, never their values, so no personal data lands in the trail).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from yiwang.kernel import audit


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                "admin.changed" if change else "admin.added",
                actor=request.user,
                target=obj,
                details={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record("admin.deleted", actor=request.user, target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Model]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record("admin.deleted", actor=request.user, target=obj)
            super().delete_queryset(request, queryset)
