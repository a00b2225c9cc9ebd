"""Admin pages of identity: accounts and OpenID Connect clients, both audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.models import get_application_model

from yiwang.identity.models import Account
from yiwang.identity.services.sessions import end_sessions
from yiwang.kernel.admin_audit import AuditedModelAdmin


@admin.register(Account)
class AccountAdmin(AuditedModelAdmin, UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "is_staff", "is_active", "verification_level", "last_login")
    list_filter = ("is_staff", "is_active", "verification_level")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Disabling ends every session of the account on the server at once.
            end_sessions(actor=request.user, account=obj, reason="account_disabled")


# Client registration (redirect URIs are validated by the model: allowed schemes only, no
# fragments; the validator then matches them exactly at every request).
Application = get_application_model()
admin.site.unregister(Application)


@admin.register(Application)
class AuditedApplicationAdmin(AuditedModelAdmin, ApplicationAdmin):  # type: ignore[misc]
    pass
