from datetime import date

import pytest
from django.urls import reverse

from billing.models import Account, ChargeDetailRecord, Invoice
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.settlements import statements_generate
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_invoices import RUN_AT
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed_month():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site)
    driver = DriverFactory()
    cdr = session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)
    statements_generate(period_start=date(2026, 5, 1))
    return cdr


@pytest.mark.parametrize(
    "model",
    ["tariff", "chargedetailrecord", "invoice", "payment", "settlementstatement", "account", "ledgertransaction"],
)
def test_staff_see_each_billing_list(admin_client, billed_month, model):
    assert admin_client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200


def test_account_page_is_a_ledger_of_its_entries(admin_client, billed_month):
    account = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=billed_month.driver)
    page = admin_client.get(reverse("admin:billing_account_change", args=[account.pk])).content.decode()
    assert f"cdr:{billed_month.pk}" in page and "9.52" in page


def test_credit_action_credits_the_cdr_and_issues_a_credit_note(admin_client, billed_month):
    response = admin_client.post(
        reverse("admin:billing_chargedetailrecord_changelist"),
        {"action": "credit_selected", "_selected_action": [billed_month.pk]},
    )
    assert response.status_code == 302
    assert ChargeDetailRecord.objects.filter(credits=billed_month).exists()
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_cdrs_cannot_be_edited_in_the_admin(admin_client, billed_month):
    url = reverse("admin:billing_chargedetailrecord_change", args=[billed_month.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="total_incl_vat"' not in page


def test_credit_action_leaves_nothing_when_the_credit_note_fails(admin_client, billed_month, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("invoice numbering unavailable")

    monkeypatch.setattr("billing.services.invoices._document_create", refuse)
    with pytest.raises(RuntimeError):
        admin_client.post(
            reverse("admin:billing_chargedetailrecord_changelist"),
            {"action": "credit_selected", "_selected_action": [billed_month.pk]},
        )
    assert not ChargeDetailRecord.objects.filter(credits=billed_month).exists()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
