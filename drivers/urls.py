from django.contrib.auth import views as auth_views
from django.urls import include, path

from drivers import (
    views,
    views_account,
    views_billing,
    views_cards,
    views_charge,
    views_reservations,
    views_support,
    views_tokens,
)

account_patterns = [
    path("signup/", views_account.signup, name="portal-signup"),
    path("verify/<str:token>/", views_account.verify_email, name="portal-verify"),
    path("verify-again/", views_account.verify_email_resend, name="portal-verify-resend"),
    path("login/", views_account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", views_account.account, name="portal-account"),
    path("export/", views_account.data_export, name="portal-export"),
    path("close/", views_account.account_close, name="portal-account-close"),
    path("billing/", views_billing.billing_overview, name="portal-billing"),
    path("billing/top-up/", views_billing.wallet_top_up, name="portal-top-up"),
    path("billing/card/", views_cards.card_setup, name="portal-card-setup"),
    path("billing/card/remove/", views_cards.card_remove, name="portal-card-remove"),
    path("membership/", views_billing.membership, name="portal-memberships"),
    path("membership/subscribe/", views_billing.membership_subscribe, name="portal-membership-subscribe"),
    path("membership/cancel/", views_billing.membership_cancel, name="portal-membership-cancel"),
    path("cards/", views_tokens.tokens_and_vehicles, name="portal-tokens"),
    path("cards/<int:token_pk>/block/", views_tokens.token_block, name="portal-token-block"),
    path("vehicles/<int:vehicle_pk>/remove/", views_tokens.vehicle_remove, name="portal-vehicle-remove"),
]

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("sites/<int:site_id>/", views.site_detail, name="portal-site"),
    path("charge/<int:connector_pk>/start/", views_charge.charge_start, name="portal-charge-start"),
    path("charge/<int:connector_pk>/reserve/", views_reservations.reserve, name="portal-reserve"),
    path("reservations/", views_reservations.reservation_list, name="portal-reservations"),
    path(
        "reservations/<int:reservation_id>/cancel/",
        views_reservations.reservation_cancel,
        name="portal-reservation-cancel",
    ),
    path("charge/requests/<int:command_id>/", views_charge.command_page, name="portal-command"),
    path("charge/requests/<int:command_id>/status/", views_charge.command_status, name="portal-command-status"),
    path("charging/", views_charge.session_list, name="portal-sessions"),
    path("charging/<int:session_id>/", views_charge.session_page, name="portal-session"),
    path("charging/<int:session_id>/status/", views_charge.session_status, name="portal-session-status"),
    path("charging/<int:session_id>/stop/", views_charge.session_stop, name="portal-session-stop"),
    path("chargers/<int:station_id>/report/", views_support.breakdown_report, name="portal-report"),
    path("support/", views_support.ticket_list, name="portal-support"),
    path("support/<int:ticket_id>/", views_support.ticket_detail, name="portal-ticket"),
    path("support/<int:ticket_id>/close/", views_support.ticket_close, name="portal-ticket-close"),
    path("account/", include(account_patterns)),
]
