from django.urls import re_path

from roaming.views import configuration

app_name = "roaming"

# Partners call with and without a trailing slash; both reach the same view (no redirect,
# which a client would follow with a GET).
urlpatterns = [
    re_path(r"^versions/?$", configuration.versions, name="versions"),
    re_path(r"^2\.2\.1/?$", configuration.version_details, name="version-details"),
    re_path(r"^2\.2\.1/credentials/?$", configuration.credentials, name="credentials"),
]
