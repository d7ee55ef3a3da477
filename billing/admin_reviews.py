"""Held CDRs in the admin: staff approve them (bulk action) or decide one on its page
(approve, or correct the energy). The decisions go through billing.services.cdr_reviews;
the review row and the admin log keep who decided what, when and why."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from billing.models import CdrReview
from billing.services import cdr_reviews
from billing.services.cdrs import CdrError


class CdrReviewForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve as priced")), ("correct", _("Correct the energy and price again"))]
    )
    corrected_energy_wh = forms.IntegerField(
        min_value=0, required=False, label=_("Corrected energy (Wh)"), help_text=_("Required to correct.")
    )
    note = forms.CharField(widget=forms.Textarea, help_text=_("Why: what the meter data or the site showed."))

    class Meta:
        model = CdrReview
        fields = ["decision", "corrected_energy_wh", "note"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "correct" and data.get("corrected_energy_wh") is None:
            self.add_error("corrected_energy_wh", _("Give the energy the session really delivered."))
        return data


@admin.register(CdrReview)
class CdrReviewAdmin(admin.ModelAdmin):
    form = CdrReviewForm
    list_display = ["cdr", "status", "reasons", "energy_kwh", "total", "held_at", "decided_at", "decided_by_name"]
    list_filter = ["status"]
    list_select_related = ["cdr"]
    search_fields = ["cdr__id_tag", "cdr__station__identity", "cdr__session__id"]
    actions = ["approve_selected"]
    readonly_fields = [
        "cdr", "status", "reasons", "energy_kwh", "total", "session_flags", "held_at", "decided_at",
        "decided_by_name", "correction",
    ]  # fmt: skip

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status == CdrReview.Status.HELD:
            return [*self.readonly_fields, "decision", "corrected_energy_wh", "note"]
        return [*self.readonly_fields, "corrected_energy_wh", "note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == CdrReview.Status.HELD:
            return self.readonly_fields
        return [*self.readonly_fields, "corrected_energy_wh", "note"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="kWh")
    def energy_kwh(self, obj):
        return f"{obj.cdr.energy_wh / 1000:.3f}"

    @admin.display(description=_("total incl. VAT"))
    def total(self, obj):
        return f"{obj.cdr.total_incl_vat} {obj.cdr.currency}"

    @admin.display(description=_("session flags"))
    def session_flags(self, obj):
        return ", ".join(obj.cdr.session.flags)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        cdr = CdrReview.objects.get(pk=obj.pk).cdr
        try:
            if data["decision"] == "correct":
                cdr_reviews.cdr_review_correct(
                    cdr=cdr, energy_wh=data["corrected_energy_wh"], by=request.user, note=data["note"]
                )
            else:
                cdr_reviews.cdr_review_approve(cdr=cdr, by=request.user, note=data["note"])
        except CdrError as error:
            self.message_user(request, str(error), messages.ERROR)

    @admin.action(description=_("Approve selected held CDRs as priced"))
    def approve_selected(self, request, queryset):
        count = 0
        for review in queryset.filter(status=CdrReview.Status.HELD).select_related("cdr"):
            cdr_reviews.cdr_review_approve(cdr=review.cdr, by=request.user, note=f"Approved in bulk by {request.user}")
            count += 1
        self.message_user(request, _("%(n)d held CDR(s) approved.") % {"n": count}, messages.SUCCESS)
