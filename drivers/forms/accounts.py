"""Portal forms: sign-up, login, profile, closing."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from drivers.time_zones import time_zone_names


class LoginForm(AuthenticationForm):
    """Drivers and owners sign in with their e-mail address (it is their user name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail")
        self.fields["username"].widget.attrs.update(autocomplete="email", inputmode="email")


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password."),
    )

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = get_user_model()(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    address = forms.CharField(label=_("Street and number"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        required=False,
        help_text=_("Two-letter code, e.g. DE."),
        error_messages={"invalid": _("Use the two-letter country code, e.g. DE.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=lambda: settings.LANGUAGES,
        help_text=_("The language of the portal and of the e-mails we send you."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=lambda: [("", _("My browser's time zone")), *((zone, zone) for zone in time_zone_names())],
        help_text=_("Times in the portal (support, sessions) are shown in this zone."),
    )
    company_name = forms.CharField(
        label=_("Company (business customers)"),
        max_length=200,
        required=False,
        help_text=_("Invoices are made out to the company, for your attention."),
    )
    vat_number = forms.RegexField(
        label=_("VAT ID (business customers)"),
        regex=r"^[A-Za-z]{2}[A-Za-z0-9 ]{2,14}$",
        required=False,
        help_text=_("With its country prefix, e.g. DE123456789; printed on your invoices."),
        error_messages={"invalid": _("A VAT ID starts with its two-letter country code, e.g. DE123456789.")},
    )

    def clean_country(self):
        return self.cleaned_data["country"].upper()

    def clean_vat_number(self):
        return self.cleaned_data["vat_number"].replace(" ", "").upper()


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label=_("I have downloaded my data and want to close my account."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("That is not your password."))
        return self.cleaned_data["password"]
