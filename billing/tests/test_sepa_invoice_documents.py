"""An invoice collected by SEPA direct debit says so as EN 16931 wants it: payment means 59
with the mandate reference (BT-89) and the creditor identifier (BT-90), in the PDF and in
its Factur-X XML, which still passes the profile's schema check."""

import facturx
import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from billing.pdf import invoice_pdf
from billing.tests.test_invoice_documents import embedded_xml, pdf_text
from billing.tests.test_sepa_debits import invoice, mandate_saved  # noqa: F401 (fixture)
from stations.models import Organisation

pytestmark = pytest.mark.django_db
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
CREDITOR_ID = "DE98ZZZ09999999999"  # the Deutsche Bundesbank's published example


def test_a_debited_invoice_prints_and_encodes_the_mandate_and_creditor_identifier(client, stripe_server, invoice):  # noqa: F811
    Organisation.objects.filter(pk=invoice.issuer_id).update(sepa_creditor_id=CREDITOR_ID)
    invoice.refresh_from_db()
    mandate = mandate_saved(client, stripe_server, invoice.driver)
    assert mandate.stripe_mandate_id  # the stand-in answers with a mandate id, as Stripe does

    pdf = invoice_pdf(invoice=invoice)
    text = pdf_text(pdf)
    assert "SEPA direct debit" in text and f"IBAN {mandate.iban_country}…{mandate.iban_last4}" in text
    assert f"Mandate reference: {mandate.stripe_mandate_id}" in text
    assert f"Creditor identifier: {CREDITOR_ID}" in text
    assert "Please transfer to" not in text

    xml = embedded_xml(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    settlement = tree.find(".//ram:ApplicableHeaderTradeSettlement", NS)
    assert settlement.findtext("ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", namespaces=NS) == "59"
    assert settlement.findtext("ram:CreditorReferenceID", namespaces=NS) == CREDITOR_ID
    terms = settlement.find("ram:SpecifiedTradePaymentTerms", NS)
    assert terms.findtext("ram:DirectDebitMandateID", namespaces=NS) == mandate.stripe_mandate_id
    # No payee account to transfer to: the seller collects.
    assert settlement.find(".//ram:PayeePartyCreditorFinancialAccount", NS) is None


def test_an_invoice_paid_by_transfer_has_no_mandate_or_creditor_identifier(invoice):  # noqa: F811
    Organisation.objects.filter(pk=invoice.issuer_id).update(sepa_creditor_id=CREDITOR_ID)
    invoice.refresh_from_db()
    xml = embedded_xml(invoice_pdf(invoice=invoice)).decode()
    assert "<ram:TypeCode>59</ram:TypeCode>" not in xml
    assert "CreditorReferenceID" not in xml and "DirectDebitMandateID" not in xml


@pytest.mark.parametrize("value", ["DE97ZZZ09999999999", "DE98ZZZ", "9898ZZZ09999999999", "de98zzz09999999999"])
def test_a_creditor_identifier_with_wrong_check_digits_or_shape_is_refused(value):
    organisation = Organisation(name="Isar", country="DE", sepa_creditor_id=value)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "sepa_creditor_id" in error.value.message_dict


def test_a_valid_creditor_identifier_is_accepted():
    Organisation(name="Isar", country="DE", sepa_creditor_id=CREDITOR_ID).full_clean()
