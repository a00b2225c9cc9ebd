"""Identity pages. Each concern keeps its own URL list; this file only joins them."""

from django.urls import path

from yiwang.identity import views
from yiwang.identity.urls_accounts import urlpatterns as account_patterns
from yiwang.identity.urls_auth import urlpatterns as auth_patterns

app_name = "identity"

urlpatterns = [
    path("staff/login/", views.StaffLoginView.as_view(), name="staff-login"),
    path("staff/logout/", views.staff_logout, name="staff-logout"),
    *auth_patterns,
    *account_patterns,
]
