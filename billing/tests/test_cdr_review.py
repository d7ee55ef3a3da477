"""Held CDRs: a session whose energy is in doubt (implausible for its connector, an
unusable meterStart) is priced into a CDR held for review — not posted, not invoiced, not
settled, not paid — until staff approve it (released as it is) or correct it (the held CDR
is voided by a credit and the corrected energy priced as the next revision)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from billing.models import (
    Account,
    BillingAccount,
    CdrReview,
    ChargeDetailRecord,
    InvoiceLine,
    LedgerTransaction,
    SettlementStatement,
)
from billing.selectors.ledger import driver_balance
from billing.services import cdr_reviews
from billing.services.cdrs import CdrError, cdr_credit, session_price, session_reprice
from billing.services.cdrs_bulk import sessions_price_bulk
from billing.services.invoices import invoices_issue_for_month
from billing.services.settlements import statements_generate
from billing.tests.factories import BillingAccountFactory, completed_session, energy_tariff
from billing.tests.test_invoices import RUN_AT
from drivers.selectors.sessions import session_token
from drivers.tests.factories import DriverFactory
from stations.models import ChargingSession
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal
MAY = date(2026, 5, 1)
JUNE_RUN = RUN_AT.replace(month=7)


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(username="finance", password="x", is_staff=True, is_superuser=True)


@pytest.fixture
def doubtful():
    """A completed 20 kWh session whose meter told an implausible story, at 0.40 €/kWh + 19 % VAT."""
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    session = completed_session(connector=connector, driver=DriverFactory(), energy_wh=20000)
    ChargingSession.objects.filter(pk=session.pk).update(flags=["energy_implausible"])
    return session


def posted(cdr) -> bool:
    return LedgerTransaction.objects.filter(reference=f"cdr:{cdr.pk}").exists()


def invoiced_cdrs(driver) -> list[int]:
    return list(InvoiceLine.objects.filter(invoice__driver=driver).values_list("cdr_id", flat=True))


def test_cdr_of_a_doubtful_session_is_held_not_posted_invoiced_or_settled(doubtful):
    cdr = session_price(session_id=doubtful.pk)
    assert cdr.review.status == CdrReview.Status.HELD
    assert cdr.review.reasons == ["energy_implausible"]
    assert cdr.total_incl_vat == D("9.52")
    assert not posted(cdr)
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    assert invoiced_cdrs(cdr.driver) == []
    statements_generate(period_start=MAY)
    assert not SettlementStatement.objects.filter(session_count__gt=0).exists()


def test_plausible_session_is_not_held(doubtful):
    ChargingSession.objects.filter(pk=doubtful.pk).update(flags=["meter_backwards"])
    cdr = session_price(session_id=doubtful.pk)
    assert not CdrReview.objects.filter(cdr=cdr).exists()
    assert posted(cdr)


def test_approval_posts_the_held_cdr_and_releases_it_to_the_next_invoice(doubtful, staff):
    cdr = session_price(session_id=doubtful.pk)
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    review = cdr_reviews.cdr_review_approve(cdr=cdr, by=staff, note="Meter log checked: 20 kWh is right.")
    assert (review.status, review.decided_by, review.note) == (
        CdrReview.Status.APPROVED,
        staff,
        "Meter log checked: 20 kWh is right.",
    )
    assert review.decided_at is not None
    assert posted(cdr)
    assert driver_balance(driver=cdr.driver, kind=Account.Kind.DRIVER_RECEIVABLE) == D("9.52")
    invoices_issue_for_month(period_start=date(2026, 6, 1), now=JUNE_RUN)
    assert invoiced_cdrs(cdr.driver) == [cdr.pk]
    with pytest.raises(CdrError):
        cdr_reviews.cdr_review_approve(cdr=cdr, by=staff, note="again")


def test_correction_voids_the_held_cdr_and_bills_the_corrected_energy(doubtful, staff):
    held = session_price(session_id=doubtful.pk)
    corrected = cdr_reviews.cdr_review_correct(cdr=held, energy_wh=5000, by=staff, note="Meter log says 5 kWh.")
    assert (corrected.revision, corrected.energy_wh, corrected.total_incl_vat) == (2, 5000, D("2.38"))
    assert not CdrReview.objects.filter(cdr=corrected).exists()
    review = CdrReview.objects.get(cdr=held)
    assert (review.status, review.corrected_energy_wh, review.correction) == (
        CdrReview.Status.CORRECTED,
        5000,
        corrected,
    )
    void = ChargeDetailRecord.objects.get(credits=held)
    assert not posted(held) and not posted(void) and posted(corrected)
    assert ChargingSession.objects.get(pk=doubtful.pk).energy_wh == 5000
    assert "energy_corrected" in ChargingSession.objects.get(pk=doubtful.pk).flags
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    assert invoiced_cdrs(held.driver) == [corrected.pk]
    assert driver_balance(driver=held.driver, kind=Account.Kind.DRIVER_RECEIVABLE) == D("2.38")


def test_a_held_cdr_is_not_credited_or_repriced_around_its_review(doubtful):
    held = session_price(session_id=doubtful.pk)
    with pytest.raises(CdrError):
        cdr_credit(cdr=held, reason="by hand")
    with pytest.raises(CdrError):
        session_reprice(session_id=doubtful.pk, reason="by hand")


def test_an_approved_session_repriced_later_is_not_held_again(doubtful, staff):
    held = session_price(session_id=doubtful.pk)
    cdr_reviews.cdr_review_approve(cdr=held, by=staff, note="ok")
    repriced = session_reprice(session_id=doubtful.pk, reason="tariff fixed")
    assert repriced.revision == 2
    assert not CdrReview.objects.filter(cdr=repriced).exists()
    assert posted(repriced)


def test_wallet_driver_pays_a_held_cdr_only_once_it_is_approved(doubtful, staff):
    BillingAccountFactory(driver=session_token(session=doubtful).driver, mode=BillingAccount.Mode.WALLET)
    held = session_price(session_id=doubtful.pk)
    assert not LedgerTransaction.objects.filter(reference=f"wallet:cdr:{held.pk}").exists()
    cdr_reviews.cdr_review_approve(cdr=held, by=staff, note="ok")
    assert LedgerTransaction.objects.filter(reference=f"wallet:cdr:{held.pk}").exists()


def test_bulk_pricing_holds_doubtful_sessions_too(doubtful):
    sessions_price_bulk(session_ids=[doubtful.pk])
    cdr = ChargeDetailRecord.objects.get(session=doubtful)
    assert cdr.review.status == CdrReview.Status.HELD
    assert not posted(cdr)


def test_staff_approve_held_cdrs_from_the_admin(admin_client, doubtful):
    held = session_price(session_id=doubtful.pk)
    page = admin_client.get(reverse("admin:billing_cdrreview_changelist")).content.decode()
    assert "energy_implausible" in page
    response = admin_client.post(
        reverse("admin:billing_cdrreview_changelist"),
        {"action": "approve_selected", "_selected_action": [held.review.pk]},
    )
    assert response.status_code == 302
    held.review.refresh_from_db()
    assert held.review.status == CdrReview.Status.APPROVED
    assert held.review.decided_by.username == "admin"
    assert posted(held)


def test_staff_correct_a_held_cdr_from_the_admin(admin_client, doubtful):
    held = session_price(session_id=doubtful.pk)
    url = reverse("admin:billing_cdrreview_change", args=[held.review.pk])
    response = admin_client.post(url, {"decision": "correct", "corrected_energy_wh": "5000", "note": "5 kWh per log"})
    assert response.status_code == 302, response.content.decode()[:2000]
    review = CdrReview.objects.get(pk=held.review.pk)
    assert (review.status, review.note, review.correction.energy_wh) == (
        CdrReview.Status.CORRECTED,
        "5 kWh per log",
        5000,
    )


def test_admin_credit_action_leaves_held_cdrs_to_their_review(admin_client, doubtful):
    held = session_price(session_id=doubtful.pk)
    admin_client.post(
        reverse("admin:billing_chargedetailrecord_changelist"),
        {"action": "credit_selected", "_selected_action": [held.pk]},
    )
    assert not ChargeDetailRecord.objects.filter(credits=held).exists()
