from django.urls import path

from yiwang.identity import views

app_name = "identity"

urlpatterns = [
    path("staff/login/", views.StaffLoginView.as_view(), name="staff-login"),
    path("staff/logout/", views.staff_logout, name="staff-logout"),
]
