"""The documents' words per language. A small dict per language rather than gettext
catalogues: the PDFs are rendered by Celery workers outside any request, in the driver's
language rather than the active one, and the project ships no compiled .mo files; a
language missing here falls back to English (docs/billing.md, "Invoice documents")."""

from decimal import ROUND_HALF_UP, Decimal

from billing.money import currency_places

LABELS = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "statement": "Settlement statement",
        "seller": "Seller",
        "buyer": "Customer",
        "vat_id": "VAT ID",
        "registration": "Registration",
        "number": "Number",
        "issue_date": "Invoice date",
        "supply_period": "Supply period",
        "corrects": "Corrects invoice",
        "of": "of",
        "site": "Site",
        "start": "Start",
        "end": "End",
        "energy": "Energy",
        "duration": "Duration",
        "component": "Component",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "net": "Net",
        "vat_rate": "VAT rate",
        "vat": "VAT",
        "gross": "Total",
        "ENERGY": "Energy",
        "TIME": "Charging time",
        "PARKING_TIME": "Parking time",
        "FLAT": "Session fee",
        "RESERVATION_FLAT": "Reservation fee",
        "RESERVATION_TIME": "Reservation time",
        "discount": "Member discount",
        "price_cap": "Minimum/maximum price adjustment",
        "membership": "Membership",
        "charging": "Charging session",
        "reservation": "Reservation expired unused,",
        "correction": "Correction of a charging session",
        "vat_summary": "VAT by rate",
        "total_net": "Total excl. VAT",
        "total_vat": "Total VAT",
        "total_gross": "Total incl. VAT",
        "due_date": "Due date",
        "payment_method": "Payment method",
        "status": "Status",
        "open": "Open",
        "paid": "Paid",
        "settled": "Settled (nothing to pay)",
        "card": "Card",
        "wallet": "Prepaid wallet",
        "transfer": "Bank transfer",
        "sepa_debit": "SEPA direct debit",
        "mandate_reference": "Mandate reference",
        "creditor_id": "Creditor identifier",
        "pay_to": "Please transfer to",
        "reference": "Reference",
        "period": "Period",
        "due_on": "Due on",
        "owner": "Owner",
        "operator": "Operator",
        "cpo": "Partner CPO",
        "emsp": "Partner EMSP",
        "party": "Payee",
        "payer": "Payer",
        "payout_account": "Payout account",
        "sessions": "Sessions",
        "month": "Month",
        "station": "Station",
        "owner_share": "Owner share",
        "adjustment": "adj.",
        "Gross incl. VAT": "Gross incl. VAT",
        "Net revenue": "Net revenue",
        "EMSP commission": "EMSP commission",
        "Owner share": "Owner share",
        "Fixed monthly fee": "Fixed monthly fee",
        "Analytics report fee": "Analytics report fee",
        "Payout due": "Payout due",
        "provisional": "Provisional: the period has not closed yet",
        "email_body": "Dear customer,\n\nyour {document} {number} for {period} over {amount} is attached.\n\n{payment}",
        "email_due": "Please pay by {due} quoting the reference {reference}.",
        "email_settled": "Nothing is left to pay.",
        "sepa_notice_subject": "Direct debit of {amount} on {date} for invoice {number}",
        "sepa_notice_body": "We will debit {amount} for invoice {number} from your account ending {last4} on or shortly after {date}, under SEPA mandate {mandate} (creditor {creditor}). Please make sure the account is covered.",
    },
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Gutschrift",
        "statement": "Abrechnung",
        "seller": "Leistungserbringer",
        "buyer": "Kunde",
        "vat_id": "USt-IdNr.",
        "registration": "Handelsregister",
        "number": "Nummer",
        "issue_date": "Rechnungsdatum",
        "supply_period": "Leistungszeitraum",
        "corrects": "Korrigiert Rechnung",
        "of": "vom",
        "site": "Standort",
        "start": "Beginn",
        "end": "Ende",
        "energy": "Energie",
        "duration": "Dauer",
        "component": "Position",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "net": "Netto",
        "vat_rate": "USt-Satz",
        "vat": "USt",
        "gross": "Brutto",
        "ENERGY": "Energie",
        "TIME": "Ladezeit",
        "PARKING_TIME": "Standzeit",
        "FLAT": "Startgebühr",
        "RESERVATION_FLAT": "Reservierungsgebühr",
        "RESERVATION_TIME": "Reservierungszeit",
        "discount": "Mitgliederrabatt",
        "price_cap": "Ausgleich Mindest-/Höchstpreis",
        "membership": "Mitgliedschaft",
        "charging": "Ladevorgang",
        "reservation": "Reservierung verfallen, ungenutzt:",
        "correction": "Korrektur eines Ladevorgangs",
        "vat_summary": "Umsatzsteuer nach Steuersatz",
        "total_net": "Summe netto",
        "total_vat": "Summe USt",
        "total_gross": "Gesamtbetrag",
        "due_date": "Fällig am",
        "payment_method": "Zahlungsart",
        "status": "Status",
        "open": "Offen",
        "paid": "Bezahlt",
        "settled": "Ausgeglichen (nichts zu zahlen)",
        "card": "Karte",
        "wallet": "Guthabenkonto",
        "transfer": "Überweisung",
        "sepa_debit": "SEPA-Lastschrift",
        "mandate_reference": "Mandatsreferenz",
        "creditor_id": "Gläubiger-Identifikationsnummer",
        "pay_to": "Bitte überweisen an",
        "reference": "Verwendungszweck",
        "period": "Zeitraum",
        "due_on": "Fällig am",
        "owner": "Eigentümer",
        "operator": "Betreiber",
        "cpo": "Roaming-Partner (CPO)",
        "emsp": "Roaming-Partner (EMSP)",
        "party": "Zahlungsempfänger",
        "payer": "Zahler",
        "payout_account": "Auszahlungskonto",
        "sessions": "Ladevorgänge",
        "month": "Monat",
        "station": "Station",
        "owner_share": "Eigentümeranteil",
        "adjustment": "Nachtrag",
        "Gross incl. VAT": "Umsatz brutto",
        "Net revenue": "Umsatz netto",
        "EMSP commission": "EMSP-Provision",
        "Owner share": "Eigentümeranteil",
        "Fixed monthly fee": "Monatliche Festgebühr",
        "Analytics report fee": "Gebühr für den Analysebericht",
        "Payout due": "Auszahlungsbetrag",
        "provisional": "Vorläufig: der Zeitraum ist noch nicht abgeschlossen",
        "email_body": "Guten Tag,\n\nanbei erhalten Sie Ihre {document} {number} für {period} über {amount}.\n\n{payment}",
        "email_due": "Bitte zahlen Sie bis zum {due} mit dem Verwendungszweck {reference}.",
        "email_settled": "Es ist nichts mehr zu zahlen.",
        "sepa_notice_subject": "Lastschrift über {amount} am {date} für Rechnung {number}",
        "sepa_notice_body": "Wir buchen {amount} für die Rechnung {number} am {date} oder kurz danach per SEPA-Lastschrift (Mandat {mandate}, Gläubiger {creditor}) von Ihrem Konto mit der Endung {last4} ab. Bitte sorgen Sie für Deckung.",
    },
}
CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "CHF": "CHF", "USD": "$", "PLN": "zł", "SEK": "kr", "DKK": "kr"}


def document_language(preferred: str) -> str:
    """The language a document (PDF, its e-mail, the SEPA notice) is written in: the
    driver's if these labels speak it, else English, so words and numbers never mix."""
    code = (preferred or "en")[:2].lower()
    return code if code in LABELS else "en"


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get((language or "en")[:2].lower(), LABELS["en"])


def money_text(amount, currency: str, language: str, places: int | None = None) -> str:
    """'1.234,56 €' in German, '1 234,56 €' in French, '€1,234.56' in English; the currency's
    symbol where it has one.
    Rounded by billing's one rule (half up, never -0): to the currency's places, or to
    `places` for unit prices."""
    if places is None:
        places = currency_places(currency)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    number = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    if language[:2] == "de":
        number = number.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"{sign}{number} {symbol}"
    if language[:2] == "fr":
        # French groups thousands with a narrow no-break space: '1 234,56 €'.
        number = number.replace(",", "\u202f").replace(".", ",")
        return f"{sign}{number} {symbol}"
    return f"{sign}{symbol}{number}" if len(symbol) == 1 else f"{sign}{number} {symbol}"


def number_text(value: Decimal, places: int, language: str) -> str:
    text = f"{Decimal(value):,.{places}f}"
    if language[:2] == "de":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def percent_text(rate: Decimal, language: str) -> str:
    """'19 %', '7,5 %' in German, '7.5 %' in English."""
    text = f"{Decimal(rate).normalize():f}"
    return (text.replace(".", ",") if language[:2] == "de" else text) + " %"
