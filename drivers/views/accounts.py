"""Portal pages: sign-up, e-mail verification, login, account, data export, closing."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.forms.accounts import CloseAccountForm, LoginForm, ProfileForm, SignUpForm
from drivers.languages import supported_language
from drivers.selectors import accounts as accounts_read
from drivers.services import accounts
from drivers.views.base import driver_required
from stations.models import OrganisationMember
from stations.selectors.api_access import owner_organisation_ids


def signup(request):
    if request.user.is_authenticated:
        return redirect("portal-home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            driver = accounts.driver_signup(**form.cleaned_data)
        except ValidationError as error:
            form.add_error("email", error.message_dict.get("email", error.messages))
        else:
            # The language they signed up in becomes theirs: the portal's and the e-mails'.
            accounts.driver_language_set(driver=driver, language=supported_language(translation.get_language()) or "en")
            _send_verification(request, driver)
            login(request, driver.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! We sent you an e-mail: open the link in it to confirm your address."))
            return redirect("portal-home")
    return render(request, "registration/signup.html", {"form": form})


def verify_email(request, token: str):
    try:
        accounts.email_verify(token=token)
    except accounts.VerificationError as error:
        messages.error(request, str(error))
        return redirect("portal-home")
    messages.success(request, _("Thank you, your e-mail address is confirmed. You can charge now."))
    return redirect("portal-home")


@require_POST
@driver_required
def verify_email_resend(request):
    if request.driver.email_verified_at is None:
        _send_verification(request, request.driver)
    messages.info(request, _("We sent the link again to %(email)s.") % {"email": request.user.email})
    return redirect(request.POST.get("next") or "portal-account")


class LoginView(auth_views.LoginView):
    # Throttled like every password login (settings.AXES_*): too many failures from this
    # address for this account answer with registration/locked_out.html instead.
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Without a `next`, each kind of login lands on its own door.
        user = self.request.user
        if user.is_staff:
            return reverse("ops-dashboard")
        if owner_organisation_ids(user=user) and not hasattr(user, "driver"):
            return reverse("owner:home")
        if OrganisationMember.objects.filter(user=user).exists() and not hasattr(user, "driver"):
            # A partner CPO's login: its organisation owns nothing here, and what it may
            # read is the monthly analytics report it subscribes to.
            return reverse("owner:analytics-report")
        return super().get_default_redirect_url()


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.login_lockouts_clear(username=form.user.get_username())
        return response


@driver_required
def account(request):
    driver = request.driver
    initial = {name: getattr(driver, name) for name in accounts.PROFILE_FIELDS}
    initial.update(first_name=request.user.first_name, last_name=request.user.last_name)
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.driver_profile_update(driver=driver, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal-account")
    context = {
        "form": form,
        "driver": driver,
        "notifications": accounts_read.driver_notifications_recent(driver=driver),
    }
    return render(request, "portal/account.html", context)


@driver_required
def data_export(request):
    data = accounts_read.driver_data_export(driver=request.driver)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    filename = f"voltway-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@driver_required
def account_close(request):
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.driver_account_close(driver=request.driver)
        logout(request)
        messages.success(request, _("Your account is closed and your personal data erased. Goodbye!"))
        return redirect("portal-home")
    return render(request, "portal/account_close.html", {"form": form})


def _send_verification(request, driver) -> None:
    token = accounts.email_verification_token(driver=driver)
    url = request.build_absolute_uri(reverse("portal-verify", args=[token]))
    accounts.email_verification_send(driver=driver, verify_url=url)
