from django.urls import path

from workshop import hybrid, lab_views, logins, views

app_name = "workshop"

urlpatterns = [
    path("", lab_views.lab_page, name="index"),
    # Pages without a <link rel="icon"> (the admin, JSON answers) make browsers ask here.
    path("favicon.ico", lab_views.favicon, name="favicon"),
    path("workshop/instructor/", lab_views.instructor_page, name="instructor"),
    path("workshop/inspector/", views.inspector, name="inspector"),
    path("workshop/mistakes/", views.mistakes, name="mistakes"),
    path("workshop/bench/", views.benchmark, name="bench"),
    path("workshop/hybrid/", hybrid.hybrid_page, name="hybrid"),
    path("workshop/logins/", logins.logins_page, name="logins"),
    path("workshop/api/inspect/", views.InspectView.as_view(), name="api-inspect"),
    path("workshop/api/mistakes/<slug:name>/", views.ScenarioView.as_view(), name="api-mistake"),
    # The guided lab's steps.
    path("workshop/lab/progress/", lab_views.ProgressView.as_view(), name="lab-progress"),
    path("workshop/lab/moving-parts/", lab_views.MovingPartsView.as_view(), name="lab-moving-parts"),
    path("workshop/lab/token-sizes/", lab_views.TokenSizesView.as_view(), name="lab-token-sizes"),
    path("workshop/lab/service-b-token/", lab_views.ServiceBTokenView.as_view(), name="lab-service-b-token"),
    # Token Lab's own profile resource, for the lab-key copy of a token: the same view, the same revocation check.
    path("workshop/lab/token-lab/profile/", lab_views.TokenLabProfileView.as_view(), name="lab-token-lab-profile"),
    path("workshop/lab/other-origin/", lab_views.other_origin_page, name="lab-other-origin"),
    # Service B, mounted in-process: verifier's own WSGI app with nothing but the published keys.
    path("workshop/service-b/whoami", lab_views.service_b_whoami, name="service-b-whoami"),
    path("workshop/service-b/jwks.json", lab_views.service_b_jwks, name="service-b-jwks"),
]
