"""Citizen account pages: registration, real-name verification, enterprises and agents."""

from django.urls import URLPattern, path

from yiwang.identity import views_accounts as views

urlpatterns: list[URLPattern] = [
    path("account/register/", views.register_mobile, name="register"),
    path("account/register/password/", views.register_password, name="register-password"),
    path("account/verify/", views.verify, name="verify"),
    path("account/entities/", views.entities, name="entities"),
    path("account/entities/bind/", views.bind, name="bind-entity"),
    path("account/entities/<str:credit_code>/agents/", views.agents, name="agents"),
    path("account/entities/<str:credit_code>/agents/add/", views.add_agent, name="add-agent"),
    path(
        "account/entities/<str:credit_code>/agents/<int:delegation_id>/revoke/",
        views.revoke_agent,
        name="revoke-agent",
    ),
    path("account/acting-for/", views.acting_for, name="acting-for"),
]
