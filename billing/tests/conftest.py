import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def ledger_balances_to_zero(request):
    """After every billing test that touched the database, the whole ledger sums to zero
    in every currency."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    yield
    from billing.selectors.ledger import ledger_totals

    unbalanced = {currency: total for currency, total in ledger_totals().items() if total != 0}
    assert not unbalanced, f"The ledger does not sum to zero: {unbalanced}"


@pytest.fixture
def stripe_server(settings):
    """Stripe's API stand-in on loopback, with our settings pointed at it."""
    from billing.tests.stripe_stub import StripeStub

    stub = StripeStub().start()
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_API_KEY = "sk_test_stub"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    yield stub
    stub.stop()


@pytest.fixture
def eager_mail(settings):
    """E-mail into the test outbox, the portal's address in links, and tasks run in-process
    (the notification tasks a service queues are sent at once)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_URL = "https://charge.example.com"
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
