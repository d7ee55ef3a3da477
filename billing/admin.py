"""Staff views of the money side. Financial records (CDRs, ledger, invoices, payments,
statements) are read-only here: corrections go through the services (admin actions)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing import admin_accounts, admin_pay_as_you_go, admin_reviews  # noqa: F401  (register their admin pages)
from billing.models import (
    Account,
    AnalyticsSubscription,
    CdrReview,
    ChargeDetailRecord,
    CommissionAgreement,
    Entry,
    Invoice,
    InvoiceLine,
    LedgerTransaction,
    MembershipFee,
    MembershipPlan,
    Payment,
    PriceComponent,
    SepaMandate,
    SettlementStatement,
    Subscription,
    Tariff,
    TariffElement,
    WebhookEvent,
)
from billing.money import money_text, stored_sum
from billing.services import bank, cdrs, invoice_payments, invoices, payments, settlements


def money_column(field: str, description, currency: str = "currency"):
    """A read-only column showing a stored amount by billing's display rule ("15.03",
    not "15.0300" or "-0.0000"); `currency` is the attribute path of its currency."""

    @admin.display(description=description, ordering=field)
    def column(_admin, obj):
        amount = getattr(obj, field)
        if amount is None:
            return "–"
        holder = obj
        for part in currency.split("."):
            holder = getattr(holder, part)
        return money_text(amount, holder)

    return column


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: staff may look, never edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- tariffs ---------------------------------------------------------------------------------


class TariffElementInline(admin.StackedInline):
    model = TariffElement
    extra = 0
    show_change_link = True
    fields = [
        "position", ("start_time", "end_time"), ("start_date", "end_date"), ("min_kwh", "max_kwh"),
        ("min_power", "max_power"), ("min_current", "max_current"), ("min_duration", "max_duration"), "days_of_week",
        "reservation",
    ]  # fmt: skip


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "currency", "target_label", "membership_plan", "valid_from", "valid_until"]
    list_filter = ["operator", "currency", "membership_plan"]
    search_fields = ["name", "site__name", "station__identity"]
    autocomplete_fields = ["site", "station"]
    raw_id_fields = ["connector"]
    inlines = [TariffElementInline]
    date_hierarchy = "valid_from"

    @admin.display(description=_("attached to"))
    def target_label(self, obj):
        return obj.target_label


class PriceComponentInline(admin.TabularInline):
    model = PriceComponent
    extra = 1


@admin.register(TariffElement)
class TariffElementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tariff", "position", "start_time", "end_time"]
    list_filter = ["tariff__operator"]
    inlines = [PriceComponentInline]


# --- CDRs ------------------------------------------------------------------------------------


@admin.register(ChargeDetailRecord)
class ChargeDetailRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "kind", "revision", "session_id", "driver", "station", "stopped_at", "energy_kwh", "total_excl",
        "total_incl", "currency", "flags",
    ]  # fmt: skip
    list_filter = ["kind", "review__status", "operator", "owner", "currency", "price_limit"]
    search_fields = ["id_tag", "station__identity", "driver__user__email", "session__id"]
    date_hierarchy = "stopped_at"
    list_select_related = ["driver__user", "station"]
    actions = ["credit_selected"]

    total_excl = money_column("total_excl_vat", _("total excl. VAT"))
    total_incl = money_column("total_incl_vat", _("total incl. VAT"))

    @admin.display(description="kWh")
    def energy_kwh(self, obj):
        return f"{obj.energy_wh / 1000:.3f}"

    @admin.action(description=_("Credit selected CDRs (correction; credit note if invoiced)"))
    def credit_selected(self, request, queryset):
        count = 0
        chargeable = queryset.filter(kind=ChargeDetailRecord.Kind.CHARGE, credited_by__isnull=True)
        # A held CDR is decided on its review (Held CDR reviews), not credited here.
        for cdr in chargeable.exclude(review__status=CdrReview.Status.HELD):
            cdrs.cdr_cancel(cdr=cdr, reason=f"Credited by {request.user}", now=timezone.now())
            count += 1
        self.message_user(request, _("%(n)d CDR(s) credited.") % {"n": count}, messages.SUCCESS)


# --- ledger ------------------------------------------------------------------------------------


class EntryInline(ReadOnlyInline):
    model = Entry
    fk_name = "account"
    fields = ["occurred_at", "reference", "description", "amount_shown"]
    readonly_fields = fields
    ordering = ["transaction__occurred_at", "id"]
    amount_shown = money_column("amount", _("amount (debit +)"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("transaction")

    @admin.display(description=_("when"))
    def occurred_at(self, obj):
        return obj.transaction.occurred_at

    @admin.display(description=_("reference"))
    def reference(self, obj):
        url = reverse("admin:billing_ledgertransaction_change", args=[obj.transaction_id])
        return format_html('<a href="{}">{}</a>', url, obj.transaction.reference)

    @admin.display(description=_("description"))
    def description(self, obj):
        return obj.transaction.description


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """The ledger per account: its entries in order and the balance they sum to."""

    list_display = ["__str__", "kind", "currency", "balance"]
    list_filter = ["kind", "currency", "organisation"]
    search_fields = ["key", "driver__user__email", "organisation__name"]
    readonly_fields = ["kind", "organisation", "driver", "currency", "balance"]
    fields = readonly_fields
    inlines = [EntryInline]

    def get_queryset(self, request):
        zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=4))
        return super().get_queryset(request).annotate(total=Coalesce(Sum("entries__amount"), zero))

    @admin.display(description=_("balance (debit +)"), ordering="total")
    def balance(self, obj):
        return money_text(stored_sum(obj.total), obj.currency)


class TransactionEntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "amount_shown", "currency"]
    readonly_fields = fields
    amount_shown = money_column("amount", _("amount (debit +)"))


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "occurred_at", "description"]
    list_filter = ["kind"]
    search_fields = ["reference", "description"]
    date_hierarchy = "occurred_at"
    inlines = [TransactionEntryInline]


# --- invoices, payments, statements -------------------------------------------------------------


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["position", "description", "excl", "vat_shown", "incl"]
    readonly_fields = fields
    excl = money_column("amount_excl_vat", _("excl. VAT"), currency="invoice.currency")
    vat_shown = money_column("vat", _("VAT"), currency="invoice.currency")
    incl = money_column("amount_incl_vat", _("incl. VAT"), currency="invoice.currency")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "kind", "driver", "period_start", "total", "currency", "status", "due_date", "pdf",
    ]  # fmt: skip
    list_filter = ["kind", "status", "issuer", "series", "year"]
    search_fields = ["number", "driver__user__email"]
    date_hierarchy = "issued_at"
    inlines = [InvoiceLineInline]
    list_select_related = ["driver__user"]
    actions = ["mark_paid"]
    total = money_column("total_incl_vat", _("total incl. VAT"))

    @admin.action(description=_("Mark paid (received another way)"))
    def mark_paid(self, request, queryset):
        now = timezone.now()
        marked = [invoice for invoice in queryset if invoice_payments.invoice_mark_paid(invoice=invoice, now=now)]
        self.message_user(request, _("%(n)d invoice(s) marked paid.") % {"n": len(marked)})

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html('<a href="{}">PDF</a>', reverse("billing:invoice-pdf", args=[obj.number]))

    def get_urls(self):
        issue = path("issue/", self.admin_site.admin_view(self.issue_view), name="billing_invoice_issue")
        reconcile = path(
            "reconcile/", self.admin_site.admin_view(self.reconcile_view), name="billing_invoice_reconcile"
        )
        return [issue, reconcile, *super().get_urls()]

    def reconcile_view(self, request):
        """Upload a bank statement (CAMT.053 or CSV); matched transfers pay their invoices."""
        if not request.user.has_perm("billing.add_invoice") and not request.user.is_superuser:
            raise PermissionDenied
        form = StatementForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = bank.statement_reconcile(content=form.cleaned_data["statement"].read(), now=timezone.now())
            except bank.StatementError as error:
                self.message_user(request, str(error), level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(booked)d paid, %(already)d already booked, unmatched: %(unmatched)s")
                    % {
                        "booked": len(result.booked),
                        "already": len(result.already),
                        "unmatched": "; ".join(result.unmatched) or "-",
                    },
                )
                return redirect("admin:billing_invoice_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Reconcile a bank statement")}
        return TemplateResponse(request, "admin/billing/invoice/reconcile.html", context)

    def issue_view(self, request):
        """Invoice a closed month on demand (the service is idempotent)."""
        if not request.user.has_perm("billing.add_invoice") and not request.user.is_superuser:
            raise PermissionDenied
        form = InvoiceMonthForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            period_start = form.cleaned_data["month"]
            issued = invoices.invoices_issue_for_month(period_start=period_start, now=timezone.now())
            self.message_user(
                request,
                _("%(n)d invoice(s) issued for %(month)s.") % {"n": len(issued), "month": f"{period_start:%Y-%m}"},
            )
            return redirect("admin:billing_invoice_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Invoice a closed month")}
        return TemplateResponse(request, "admin/billing/invoice/issue.html", context)


class StatementForm(forms.Form):
    statement = forms.FileField(
        help_text=_("CAMT.053 XML or CSV (transaction_id,booking_date,amount,currency,reference)")
    )


class InvoiceMonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        help_text=_("YYYY-MM, a month that has ended."),
        widget=forms.TextInput,
    )

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month >= timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("Only a month that has ended can be invoiced."))
        return month


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "purpose", "provider", "driver", "amount_shown", "currency", "status", "attempts", "next_retry_at",
    ]  # fmt: skip
    amount_shown = money_column("amount", _("amount"))
    list_filter = ["status", "purpose", "provider"]
    search_fields = ["provider_reference", "idempotency_key", "driver__user__email", "id_tag"]
    actions = ["retry_now"]

    @admin.action(description=_("Retry selected failed payments now"))
    def retry_now(self, request, queryset):
        retried = payments.payments_retry(payment_ids=list(queryset.values_list("pk", flat=True)), now=timezone.now())
        self.message_user(request, _("Retried %(n)d payment(s).") % {"n": len(retried)})


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyAdmin):
    list_display = [
        "party", "role", "period_start", "session_count", "net", "payout", "currency", "due_on", "settled_at", "files",
    ]  # fmt: skip
    net = money_column("net_revenue", _("net revenue"))
    payout = money_column("payout_due", _("payout due"))
    list_filter = ["role", "period_start", "currency"]
    search_fields = ["party__name"]
    actions = ["record_payout", "record_settled"]

    @admin.display(description=_("download"))
    def files(self, obj):
        pdf = reverse("billing:statement-download", args=[obj.pk, "pdf"])
        csv = reverse("billing:statement-download", args=[obj.pk, "csv"])
        return format_html('<a href="{}">PDF</a> · <a href="{}">CSV</a>', pdf, csv)

    @admin.action(description=_("Record payout to owner (bank transfer made)"))
    def record_payout(self, request, queryset):
        done = sum(settlements.statement_payout(statement=statement) for statement in queryset)
        self.message_user(request, _("%(n)d payout(s) recorded.") % {"n": done})

    @admin.action(description=_("Record partner statement settled (bank transfer made or received)"))
    def record_settled(self, request, queryset):
        done = sum(settlements.statement_settle(statement=statement) for statement in queryset)
        self.message_user(request, _("%(n)d partner statement(s) settled.") % {"n": done})


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "type", "received_at", "processed_at"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]


@admin.register(SepaMandate)
class SepaMandateAdmin(ReadOnlyAdmin):
    """The proof of each direct debit mandate (text, time, address, browser): kept, never edited."""

    list_display = ["stripe_mandate_id", "account", "status", "iban_last4", "accepted_at", "ip_address"]
    list_filter = ["status"]
    search_fields = ["stripe_mandate_id", "setup_intent_id", "account__driver__user__email"]


# --- agreements, accounts, memberships ---------------------------------------------------------


@admin.register(CommissionAgreement)
class CommissionAgreementAdmin(admin.ModelAdmin):
    list_display = ["emsp", "cpo", "percent", "valid_from", "valid_until"]
    list_filter = ["emsp", "cpo"]


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "operator", "fee", "currency", "included_kwh", "discount_percent", "is_active"]
    fee = money_column("monthly_fee", _("monthly fee excl. VAT"))
    list_filter = ["operator", "is_active"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["driver", "plan", "status", "started_on", "ends_on"]
    list_filter = ["status", "plan"]
    search_fields = ["driver__user__email"]
    raw_id_fields = ["driver"]


@admin.register(MembershipFee)
class MembershipFeeAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "period_start", "amount", "currency"]
    amount = money_column("amount_incl_vat", _("amount incl. VAT"))
    list_filter = ["period_start"]


@admin.register(AnalyticsSubscription)
class AnalyticsSubscriptionAdmin(admin.ModelAdmin):
    """Owners and partner CPOs subscribed to the monthly analytics report; the fee is
    charged on their settlement statement of each month covered."""

    list_display = ["subscriber", "seller", "monthly_fee", "currency", "valid_from", "valid_until"]
    search_fields = ["subscriber__name", "seller__name"]
    autocomplete_fields = ["subscriber", "seller"]
