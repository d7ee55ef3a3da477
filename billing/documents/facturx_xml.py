"""The invoice as EN 16931 XML in the Factur-X / ZUGFeRD 2 syntax (UN/CEFACT CII D16B),
profile EN16931. Built from the same contents as the PDF; the factur-x library checks it
against the profile's schema and embeds it (invoice_pdf)."""

from datetime import date
from decimal import Decimal

from lxml import etree

from billing.documents.contents import InvoiceContents, Party
from billing.documents.labels import labels_for
from billing.models import Invoice

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
PROFILE_EN16931 = "urn:cen.eu:en16931:2017"
# UNTDID 1001 document types and UNTDID 4461 payment means.
TYPE_INVOICE, TYPE_CREDIT_NOTE = "380", "381"
PAYMENT_MEANS = {"transfer": "58", "card": "48", "sepa_debit": "59", "wallet": "ZZZ"}


def _el(parent, tag: str, text=None, **attributes):
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attributes)
    if text is not None:
        element.text = str(text)
    return element


def _date(parent, tag: str, value: date, namespace: str = "udt") -> None:
    _el(_el(parent, tag), f"{namespace}:DateTimeString", f"{value:%Y%m%d}", format="102")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _category(rate: Decimal) -> str:
    return "S" if rate > 0 else "Z"


def invoice_xml(*, contents: InvoiceContents) -> bytes:
    invoice = contents.invoice
    words = labels_for(contents.language)
    # A credit note carries positive amounts; its type code says they are owed back.
    sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE_EN16931)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", TYPE_CREDIT_NOTE if sign < 0 else TYPE_INVOICE)
    _date(document, "ram:IssueDateTime", contents.issue_date)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    line_total = Decimal(0)
    line_id = 0
    for line in contents.lines:
        for rate, base, _vat in line.vat_parts:
            line_id += 1
            line_total += base * sign
            _line_item(transaction, line_id, line, rate, base * sign, words)
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", contents.seller, seller=True, country=contents.seller.country)
    _party(agreement, "ram:BuyerTradeParty", contents.buyer, seller=False, country=contents.seller.country)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if contents.creditor_id:
        # BT-90, the bank-assigned creditor identifier a direct debit is collected under.
        _el(settlement, "ram:CreditorReferenceID", contents.creditor_id)
    # BT-83, the remittance information a transfer quotes: the RF creditor reference that
    # bank reconciliation matches on (billing/services/bank.py).
    _el(settlement, "ram:PaymentReference", invoice.payment_reference)
    _el(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    _payment_means(settlement, contents, words)
    for rate, base, vat in contents.vat_totals:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(vat * sign))
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:BasisAmount", _amount(base * sign))
        _el(tax, "ram:CategoryCode", _category(rate))
        _el(tax, "ram:RateApplicablePercent", _amount(rate))
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", invoice.period_start)
    _date(period, "ram:EndDateTime", invoice.period_end)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", f"{words['payment_method']}: {words[contents.payment_method]}")
    _date(terms, "ram:DueDateDateTime", contents.due_date)
    if contents.mandate_reference:
        # BT-89, the mandate the driver signed; with BT-90 it identifies the debit (BG-19).
        _el(terms, "ram:DirectDebitMandateID", contents.mandate_reference)
    gross = Decimal(invoice.total_incl_vat) * sign
    paid = gross if invoice.status == Invoice.Status.PAID else Decimal(0)
    summary = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summary, "ram:LineTotalAmount", _amount(line_total))
    _el(summary, "ram:TaxBasisTotalAmount", _amount(line_total))
    _el(summary, "ram:TaxTotalAmount", _amount(Decimal(invoice.total_vat) * sign), currencyID=invoice.currency)
    _el(summary, "ram:GrandTotalAmount", _amount(gross))
    _el(summary, "ram:TotalPrepaidAmount", _amount(paid))
    _el(summary, "ram:DuePayableAmount", _amount(gross - paid))
    if contents.corrected_number:
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", contents.corrected_number)
        _date(reference, "ram:FormattedIssueDateTime", contents.corrected_date, namespace="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line_item(transaction, line_id: int, line, rate: Decimal, net: Decimal, words) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line_id)
    product = _el(item, "ram:SpecifiedTradeProduct")
    _el(product, "ram:Name", line.description[:255])
    if line.started_local:
        _el(product, "ram:Description", f"{words['site']}: {line.site_name}, {line.site_address}")
    price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", _amount(net))
    # One line per session and VAT rate, billed as one unit ("C62"): the per-kWh and
    # per-hour prices are in the PDF's components; this keeps quantity × price = net exact.
    _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", "1", unitCode="C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", _category(rate))
    _el(tax, "ram:RateApplicablePercent", _amount(rate))
    if line.started_local:
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", line.started_local.date())
        _date(period, "ram:EndDateTime", line.stopped_local.date())
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(net))


def _party(parent, tag: str, party: Party, *, seller: bool, country: str) -> None:
    """`country`: where the party's own is unknown (a driver who gave none), the seller's."""
    element = _el(parent, tag)
    _el(element, "ram:Name", party.name)
    if seller and party.registration:
        _el(_el(element, "ram:SpecifiedLegalOrganization"), "ram:ID", party.registration)
    if party.contact:
        _el(_el(element, "ram:DefinedTradeContact"), "ram:PersonName", party.contact)
    address = _el(element, "ram:PostalTradeAddress")
    if party.postal_code:
        _el(address, "ram:PostcodeCode", party.postal_code)
    if party.address:
        _el(address, "ram:LineOne", party.address)
    if party.city:
        _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country or country)
    if party.email:
        _el(_el(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_number:
        _el(_el(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_number, schemeID="VA")


def _payment_means(settlement, contents: InvoiceContents, words) -> None:
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", PAYMENT_MEANS[contents.payment_method])
    _el(means, "ram:Information", words[contents.payment_method])
    issuer = contents.invoice.issuer
    if contents.payment_method == "transfer" and issuer.iban:
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", issuer.iban.replace(" ", ""))
        _el(account, "ram:AccountName", issuer.bank_account_holder or issuer.name)
        if issuer.bic:
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", issuer.bic)
