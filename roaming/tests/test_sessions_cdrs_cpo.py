"""Sessions and CDRs as CPO: a partner token's session is pushed (PUT, kWh and cost) and
pulled; its CDR is POSTed once it is priced (credit CDRs too) and pulled."""

import pytest

from billing.services.cdrs import cdr_credit, session_price
from billing.tests.factories import completed_session, energy_tariff
from config.celery import app
from drivers.models import SessionToken
from roaming import tasks
from roaming.credentials_token import header_encode
from roaming.models import CdrPush, PartnerToken
from roaming.services import pushes
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid
from roaming.tests.test_tokens_cpo import token_object
from stations.models import ChargingSession

pytestmark = pytest.mark.django_db
ENVELOPE = {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


@pytest.fixture
def partner(partner_api):
    partner = registered_partner(
        token="emsp",
        endpoints=[
            ("sessions", "RECEIVER", f"{partner_api.url}/ocpi/emsp/2.2.1/sessions"),
            ("cdrs", "RECEIVER", f"{partner_api.url}/ocpi/emsp/2.2.1/cdrs"),
        ],
    )
    data = token_object()
    PartnerToken.objects.create(
        partner=partner,
        country_code="NL",
        party_id="PAR",
        uid=data["uid"],
        type="RFID",
        contract_id=data["contract_id"],
        valid=True,
        whitelist="ALLOWED",
        data=data,
        last_updated="2026-01-01T10:00:00Z",
    )
    return partner


def partner_session(**kwargs):
    connector = public_connector()
    energy_tariff(station=connector.station)
    session = completed_session(connector=connector, **kwargs)
    SessionToken.objects.filter(session=session).delete()  # a partner's token, not a driver's
    ChargingSession.objects.filter(pk=session.pk).update(id_tag="04A1B2C3D4")
    session.refresh_from_db()
    return session


def test_session_is_put_with_kwh_and_cost_valid_for_the_reference_models(partner, partner_api):
    session = partner_session(energy_wh=20000)
    url = f"{partner_api.url}/ocpi/emsp/2.2.1/sessions"
    assert pushes.session_push(partner=partner, url=url, session_id=session.pk)
    request = partner_api.requests[-1]
    assert request["method"] == "PUT" and request["path"].endswith(f"/sessions/DE/EVC/{session.pk}")
    pushed = valid("session", request["json"])
    assert pushed.kwh == 20 and pushed.status == "COMPLETED"
    assert request["json"]["total_cost"] == {"excl_vat": 8.0, "incl_vat": 9.52}  # 20 kWh at 0.40 + 19 % VAT
    assert request["json"]["cdr_token"]["uid"] == "04A1B2C3D4"


def test_cdr_is_posted_once_then_its_credit(partner, partner_api):
    session = partner_session()
    cdr = session_price(session_id=session.pk)
    for push in pushes.cdrs_to_push():
        pushes.cdr_push(cdr_push_id=push.pk)
    assert pushes.cdrs_to_push() == []
    posted = [r for r in partner_api.requests if r["path"] == "/ocpi/emsp/2.2.1/cdrs"]
    assert len(posted) == 1 and posted[0]["method"] == "POST"
    record = valid("cdr", posted[0]["json"])
    assert record.id == str(cdr.pk) and record.total_energy == 20 and record.credit is False
    assert posted[0]["json"]["total_cost"]["incl_vat"] == pytest.approx(float(cdr.total_incl_vat))
    credit = cdr_credit(cdr=cdr, reason="meter fault")
    for push in pushes.cdrs_to_push():
        pushes.cdr_push(cdr_push_id=push.pk)
    credit_posted = valid("cdr", partner_api.requests[-1]["json"])
    assert credit_posted.id == str(credit.pk) and credit_posted.credit is True
    assert credit_posted.credit_reference_id == str(cdr.pk)
    assert CdrPush.objects.filter(pushed_at__isnull=False).count() == 2


def test_a_cdr_the_partner_refused_is_pushed_again_later(partner, partner_api):
    session = partner_session()
    session_price(session_id=session.pk)
    partner_api.answers["/ocpi/emsp/2.2.1/cdrs"] = (200, {**ENVELOPE, "status_code": 2001})
    (push,) = pushes.cdrs_to_push()
    with pytest.raises(pushes.PartnerError):
        pushes.cdr_push(cdr_push_id=push.pk)
    partner_api.answers.clear()
    (again,) = pushes.cdrs_to_push()
    assert pushes.cdr_push(cdr_push_id=again.pk)
    assert not pushes.cdrs_to_push()


def test_partner_pulls_its_sessions_and_cdrs(client, partner):
    session = partner_session()
    session_price(session_id=session.pk)
    completed_session()  # a driver's of ours: not the partner's business
    auth = {"HTTP_AUTHORIZATION": header_encode("emsp")}
    sessions = client.get("/ocpi/cpo/2.2.1/sessions", **auth).json()["data"]
    assert [valid("session", s).id for s in sessions] == [str(session.pk)]
    cdrs = client.get("/ocpi/cpo/2.2.1/cdrs", **auth).json()["data"]
    assert [valid("cdr", c).session_id for c in cdrs] == [str(session.pk)]


def test_a_priced_cdr_is_pushed_when_it_is_released_not_at_the_next_sweep(
    partner, partner_api, monkeypatch, django_capture_on_commit_callbacks
):
    # Billing announces the released CDR after its commit; roaming's receiver queues the push
    # at once (the tasks run in-process here), so no beat sweep is needed for it to arrive.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    session = partner_session()
    with django_capture_on_commit_callbacks(execute=True):
        cdr = session_price(session_id=session.pk)
    posted = [r for r in partner_api.requests if r["path"] == "/ocpi/emsp/2.2.1/cdrs"]
    assert len(posted) == 1 and valid("cdr", posted[0]["json"]).id == str(cdr.pk)
    assert CdrPush.objects.get(cdr=cdr).pushed_at is not None
    # The sweep finds nothing left, and a second announcement sends nothing again.
    assert pushes.cdrs_to_push() == []
    assert tasks.cdrs_released_push(cdr_ids=[cdr.pk]) == 0
    assert len([r for r in partner_api.requests if r["path"] == "/ocpi/emsp/2.2.1/cdrs"]) == 1


def test_a_released_cdr_of_our_own_driver_pushes_nothing(partner, partner_api):
    connector = public_connector()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    cdr = session_price(session_id=completed_session(connector=connector).pk)
    assert tasks.cdrs_released_push(cdr_ids=[cdr.pk]) == 0
    assert not CdrPush.objects.exists()


def test_a_new_public_tariff_is_put_to_partners_that_receive_tariffs(
    partner_api, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    registered_partner(
        name="Tariff receiver",
        token="receiver-token",
        endpoints=[("tariffs", "RECEIVER", f"{partner_api.url}/ocpi/emsp/2.2.1/tariffs")],
    )
    connector = public_connector()
    with django_capture_on_commit_callbacks(execute=True):
        tariff = energy_tariff(station=connector.station)
    (put,) = [r for r in partner_api.requests if "/tariffs/" in r["path"]]
    assert put["method"] == "PUT" and put["path"].endswith(f"/tariffs/DE/EVC/{tariff.pk}")
    assert valid("tariff", put["json"]).id == str(tariff.pk)
    # A member tariff is not public: nothing goes out for it.
    assert tasks.tariff_created(tariff_id=tariff.pk + 10_000) == 0
