from billing.models.ad_hoc import AdHocCharge, EvseQrCode
from billing.models.analytics import AnalyticsReportDelivery, AnalyticsSubscription
from billing.models.cdrs import CdrReview, ChargeDetailRecord
from billing.models.countries import CountryRate
from billing.models.invoices import Invoice, InvoiceLine, InvoiceSequence
from billing.models.ledger import Account, Entry, LedgerTransaction
from billing.models.memberships import MembershipFee, MembershipPlan, Subscription
from billing.models.payments import BillingAccount, Payment, SepaMandate, WebhookEvent
from billing.models.reservations import ReservationCharge
from billing.models.settlements import CommissionAgreement, SettlementLine, SettlementStatement
from billing.models.tariffs import PriceComponent, Tariff, TariffElement

__all__ = [
    "Account",
    "AdHocCharge",
    "AnalyticsReportDelivery",
    "AnalyticsSubscription",
    "BillingAccount",
    "CdrReview",
    "ChargeDetailRecord",
    "CommissionAgreement",
    "CountryRate",
    "Entry",
    "EvseQrCode",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "LedgerTransaction",
    "MembershipFee",
    "MembershipPlan",
    "Payment",
    "PriceComponent",
    "ReservationCharge",
    "SepaMandate",
    "SettlementLine",
    "SettlementStatement",
    "Subscription",
    "Tariff",
    "TariffElement",
    "WebhookEvent",
]
