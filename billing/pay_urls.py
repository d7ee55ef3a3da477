"""Pay-as-you-go (EU AFIR ad hoc), mounted under /pay/ (config/urls.py): the address an
EVSE's QR code holds, and the pages of a charge paid there."""

from django.urls import path

from billing.views import pay_as_you_go as views

urlpatterns = [
    path("charges/<str:key>/", views.charge_page, name="pay-charge"),
    path("charges/<str:key>/status/", views.charge_status, name="pay-charge-status"),
    path("charges/<str:key>/stop/", views.charge_stop, name="pay-charge-stop"),
    path("charges/<str:key>/requests/<int:command_id>/", views.command_status, name="pay-command-status"),
    path("evse/<str:identity>/<int:evse>/", views.evse_page, name="pay-evse"),
]
