from django.urls import path

from workshop import hybrid, views

app_name = "workshop"

urlpatterns = [
    path("", views.index, name="index"),
    path("workshop/inspector/", views.inspector, name="inspector"),
    path("workshop/mistakes/", views.mistakes, name="mistakes"),
    path("workshop/bench/", views.benchmark, name="bench"),
    path("workshop/hybrid/", hybrid.hybrid_page, name="hybrid"),
    path("workshop/api/inspect/", views.InspectView.as_view(), name="api-inspect"),
    path("workshop/api/mistakes/<slug:name>/", views.ScenarioView.as_view(), name="api-mistake"),
]
