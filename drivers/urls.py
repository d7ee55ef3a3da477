from django.contrib.auth import views as auth_views
from django.urls import include, path

from drivers.views import accounts, charging, languages, reservations, stations, support, support_desk, tokens

account_patterns = [
    path("signup/", accounts.signup, name="portal-signup"),
    path("language/", languages.language_choose, name="portal-language"),
    path("verify/<str:token>/", accounts.verify_email, name="portal-verify"),
    path("verify-again/", accounts.verify_email_resend, name="portal-verify-resend"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", accounts.account, name="portal-account"),
    path("export/", accounts.data_export, name="portal-export"),
    path("close/", accounts.account_close, name="portal-account-close"),
    path("cards/", tokens.tokens_and_vehicles, name="portal-tokens"),
    path("cards/<int:token_pk>/block/", tokens.token_block, name="portal-token-block"),
    path("vehicles/<int:vehicle_pk>/remove/", tokens.vehicle_remove, name="portal-vehicle-remove"),
]

urlpatterns = [
    path("", stations.home, name="portal-home"),
    path("sites/<int:site_id>/", stations.site_detail, name="portal-site"),
    path("charge/<int:connector_pk>/start/", charging.charge_start, name="portal-charge-start"),
    path("charge/<int:connector_pk>/reserve/", reservations.reserve, name="portal-reserve"),
    path("reservations/", reservations.reservation_list, name="portal-reservations"),
    path(
        "reservations/<int:reservation_id>/cancel/",
        reservations.reservation_cancel,
        name="portal-reservation-cancel",
    ),
    path("charge/requests/<int:command_id>/", charging.command_page, name="portal-command"),
    path("charge/requests/<int:command_id>/status/", charging.command_status, name="portal-command-status"),
    path("charging/", charging.session_list, name="portal-sessions"),
    path("charging/<int:session_id>/", charging.session_page, name="portal-session"),
    path("charging/<int:session_id>/status/", charging.session_status, name="portal-session-status"),
    path("charging/<int:session_id>/stop/", charging.session_stop, name="portal-session-stop"),
    path("chargers/<int:station_id>/report/", support.breakdown_report, name="portal-report"),
    path("support/", support.ticket_list, name="portal-support"),
    path("support/<int:ticket_id>/", support.ticket_detail, name="portal-ticket"),
    path("support/<int:ticket_id>/close/", support.ticket_close, name="portal-ticket-close"),
    path("support/desk/", support_desk.inbox, name="support-desk"),
    path("support/desk/<int:ticket_id>/", support_desk.conversation, name="support-desk-ticket"),
    path("support/desk/<int:ticket_id>/close/", support_desk.close, name="support-desk-close"),
    path("support/desk/<int:ticket_id>/assign/", support_desk.assign, name="support-desk-assign"),
    path("support/desk/<int:ticket_id>/release/", support_desk.release, name="support-desk-release"),
    path("account/", include(account_patterns)),
]
