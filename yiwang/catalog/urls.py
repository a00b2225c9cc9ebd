"""Catalogue pages: the public guide, browse and search; the staff workbench."""

from django.urls import path

from yiwang.catalog import views_public, views_staff, views_staff_more

app_name = "catalog"

urlpatterns = [
    # public
    path("services/", views_public.browse, name="browse"),
    path("services/search/", views_public.search, name="search"),
    path("guide/<str:code>/", views_public.guide, name="guide"),
    path("guide/<str:code>/pdf/", views_public.guide_pdf, name="guide-pdf"),
    path("life-events/<str:code>/", views_public.life_event, name="life-event"),
    path("life-events/<str:code>/pdf/", views_public.life_event_pdf, name="life-event-pdf"),
    # staff
    path("staff/catalog/", views_staff.implementation_list, name="staff-list"),
    path("staff/catalog/new/", views_staff.implementation_new, name="staff-new"),
    path("staff/catalog/<str:code>/", views_staff.implementation_detail, name="staff-detail"),
    path("staff/catalog/<str:code>/edit/", views_staff.version_edit, name="staff-edit"),
    path("staff/catalog/<str:code>/action/", views_staff.version_action, name="staff-action"),
    path("staff/catalog-review/", views_staff.review_queue, name="staff-review"),
    path("staff/catalog-consistency/", views_staff.consistency, name="staff-consistency"),
    # staff: master items and life events
    path("staff/catalog-items/", views_staff_more.item_list, name="staff-items"),
    path("staff/catalog-items/new/", views_staff_more.item_new, name="staff-item-new"),
    path("staff/catalog-items/<str:code>/", views_staff_more.item_edit, name="staff-item-edit"),
    path("staff/catalog-life-events/", views_staff_more.life_event_list, name="staff-life-events"),
    path(
        "staff/catalog-life-events/new/",
        views_staff_more.life_event_new,
        name="staff-life-event-new",
    ),
    path(
        "staff/catalog-life-events/<str:code>/",
        views_staff_more.life_event_edit,
        name="staff-life-event-edit",
    ),
    path(
        "staff/catalog-life-events/<str:code>/action/",
        views_staff_more.life_event_action,
        name="staff-life-event-action",
    ),
]
