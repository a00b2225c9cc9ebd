from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from yiwang.identity.models import Account


@admin.register(Account)
class AccountAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "is_staff", "is_active", "last_login")
