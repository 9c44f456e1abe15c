from django.urls import path

from workshop.views import bench, hybrid, inspector, lab, logins, mistakes

app_name = "workshop"

urlpatterns = [
    path("", lab.lab_page, name="index"),
    # Pages without a <link rel="icon"> (the admin, JSON answers) make browsers ask here.
    path("favicon.ico", lab.favicon, name="favicon"),
    path("workshop/instructor/", lab.instructor_page, name="instructor"),
    path("workshop/instructor/progress/", lab.InstructorProgressView.as_view(), name="instructor-progress"),
    path("workshop/inspector/", inspector.inspector_page, name="inspector"),
    path("workshop/mistakes/", mistakes.mistakes_page, name="mistakes"),
    path("workshop/bench/", bench.bench_page, name="bench"),
    path("workshop/hybrid/", hybrid.hybrid_page, name="hybrid"),
    path("workshop/logins/", logins.logins_page, name="logins"),
    path("workshop/api/inspect/", inspector.InspectView.as_view(), name="api-inspect"),
    path("workshop/api/mistakes/<slug:name>/", mistakes.ScenarioView.as_view(), name="api-mistake"),
    # The guided lab's steps.
    path("workshop/lab/progress/", lab.ProgressView.as_view(), name="lab-progress"),
    path("workshop/lab/moving-parts/", lab.MovingPartsView.as_view(), name="lab-moving-parts"),
    path("workshop/lab/token-sizes/", lab.TokenSizesView.as_view(), name="lab-token-sizes"),
    path("workshop/lab/long-lived-token/", lab.LongLivedTokenView.as_view(), name="lab-long-lived-token"),
    path("workshop/lab/service-b-token/", lab.ServiceBTokenView.as_view(), name="lab-service-b-token"),
    # Token Lab's own profile resource, for the lab-key copy of a token: the same view, the same revocation check.
    path("workshop/lab/token-lab/profile/", lab.TokenLabProfileView.as_view(), name="lab-token-lab-profile"),
    path("workshop/lab/other-origin/", lab.other_origin_page, name="lab-other-origin"),
    # Service B, mounted in-process: verifier's own WSGI app with nothing but the published keys.
    path("workshop/service-b/whoami", lab.service_b_whoami, name="service-b-whoami"),
    path("workshop/service-b/jwks.json", lab.service_b_jwks, name="service-b-jwks"),
]
