from django.urls import re_path

from roaming.views import (
    commands,
    configuration,
    emsp_commands,
    emsp_locations,
    emsp_sessions,
    emsp_tariffs,
    emsp_tokens,
    locations,
    open_data,
    sessions,
    tariffs,
    tokens,
)

app_name = "roaming"

# Partners call with and without a trailing slash; both reach the same view (no redirect,
# which a client would follow with a GET).
urlpatterns = [
    re_path(r"^versions/?$", configuration.versions, name="versions"),
    re_path(r"^2\.2\.1/?$", configuration.version_details, name="version-details"),
    re_path(r"^2\.2\.1/credentials/?$", configuration.credentials, name="credentials"),
    # CPO: Sender interfaces.
    re_path(r"^cpo/2\.2\.1/locations/?$", locations.location_list, name="cpo-locations"),
    re_path(
        r"^cpo/2\.2\.1/locations/(?P<location_id>[^/]{1,36})(?:/(?P<evse_uid>[^/]{1,36})(?:/(?P<connector_id>[^/]{1,36}))?)?/?$",
        locations.location_item,
        name="cpo-location",
    ),
    re_path(r"^cpo/2\.2\.1/tariffs/?$", tariffs.tariff_list, name="cpo-tariffs"),
    re_path(r"^cpo/2\.2\.1/tariffs/(?P<tariff_id>[^/]{1,36})/?$", tariffs.tariff_item, name="cpo-tariff"),
    re_path(r"^cpo/2\.2\.1/sessions/?$", sessions.session_list, name="cpo-sessions"),
    re_path(r"^cpo/2\.2\.1/cdrs/?$", sessions.cdr_list, name="cpo-cdrs"),
    # EMSP: Sender interfaces.
    re_path(r"^emsp/2\.2\.1/tokens/?$", emsp_tokens.token_list, name="emsp-tokens"),
    re_path(
        r"^emsp/2\.2\.1/tokens/(?P<uid>[^/]{1,36})/authorize/?$",
        emsp_tokens.token_authorize,
        name="emsp-token-authorize",
    ),
    # EMSP: Receiver interfaces.
    re_path(
        r"^emsp/2\.2\.1/locations/(?P<country_code>[^/]{1,2})/(?P<party_id>[^/]{1,3})/(?P<location_id>[^/]{1,36})"
        r"(?:/(?P<evse_uid>[^/]{1,36})(?:/(?P<connector_id>[^/]{1,36}))?)?/?$",
        emsp_locations.location_item,
        name="emsp-location",
    ),
    re_path(
        r"^emsp/2\.2\.1/sessions/(?P<country_code>[^/]{1,2})/(?P<party_id>[^/]{1,3})/(?P<session_id>[^/]{1,36})/?$",
        emsp_sessions.session_item,
        name="emsp-session",
    ),
    re_path(r"^emsp/2\.2\.1/cdrs/?$", emsp_sessions.cdr_post, name="emsp-cdrs"),
    re_path(r"^emsp/2\.2\.1/cdrs/(?P<cdr_pk>[0-9]{1,18})/?$", emsp_sessions.cdr_item, name="emsp-cdr"),
    re_path(
        r"^emsp/2\.2\.1/commands/(?P<command>[A-Z_]{1,24})/(?P<sent_id>[0-9]{1,18})/?$",
        emsp_commands.command_result,
        name="emsp-command-result",
    ),
    re_path(
        r"^emsp/2\.2\.1/tariffs/(?P<country_code>[^/]{1,2})/(?P<party_id>[^/]{1,3})/(?P<tariff_id>[^/]{1,36})/?$",
        emsp_tariffs.tariff_item,
        name="emsp-tariff",
    ),
    # Open data (AFIR art. 20): no token, rate-limited, read-only.
    re_path(r"^open/2\.2\.1/locations/?$", open_data.location_list, name="open-locations"),
    re_path(r"^open/2\.2\.1/tariffs/?$", open_data.tariff_list, name="open-tariffs"),
    # CPO: Receiver interfaces.
    re_path(
        r"^cpo/2\.2\.1/tokens/(?P<country_code>[^/]{1,2})/(?P<party_id>[^/]{1,3})/(?P<uid>[^/]{1,36})/?$",
        tokens.token_item,
        name="cpo-token",
    ),
    re_path(r"^cpo/2\.2\.1/commands/(?P<command>[A-Z_]{1,24})/?$", commands.command, name="cpo-command"),
]
