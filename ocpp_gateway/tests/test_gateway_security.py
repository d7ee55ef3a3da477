"""Security profile 3 and the 1.6 security extension end to end: real certificates made
in the test, a real uvicorn terminating TLS with a client CA (and one behind a "proxy"
that forwards the verified certificate), real `ocpp` chargers over wss.

The servers run Celery tasks eagerly (CELERY_TASK_ALWAYS_EAGER, still after commit), so
that the CSR signing task uses the same local CA directory as the test; the task itself
is the one a worker runs."""

import asyncio
import base64
import shutil
import socket
import ssl
import subprocess
import time
from contextlib import asynccontextmanager
from urllib.parse import quote

import pytest
import websockets
from cryptography import x509
from cryptography.x509 import ocsp
from django.conf import settings
from django.utils import timezone
from ocpp.routing import after, on
from ocpp.v16 import call
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201
from ocpp.v201.enums import Action as Action201

from config import live_servers
from ocpp_gateway.security import certificates
from ocpp_gateway.security.authority import LocalCertificateAuthority, root_create
from ocpp_gateway.security.models import ChargerCertificate, InstalledCertificate, SecurityEvent
from ocpp_gateway.tests import pki
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, in_db, run
from ocpp_gateway.tests.charger_v201 import SimulatedCharger201
from ocpp_gateway.tests.secure_charger import SecureCharger
from stations.models import ChargingStation, CommandRequest
from stations.services.commands import command_request
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
WS_PROTOCOL = "ocpp_gateway.tls:ClientCertificateWebSocketProtocol"
PROFILE_3 = ChargingStation.SecurityProfile.CLIENT_CERT


@pytest.fixture(scope="module")
def pki_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    server = pki.ServerPki(directory)
    authority = LocalCertificateAuthority(directory=directory / "csms-ca")
    return server, authority


def _servers_needed():
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")


@pytest.fixture(scope="module")
def tls_server(pki_files, django_db_setup, django_db_blocker, tmp_path_factory):
    """uvicorn terminating TLS itself: the CSMS CA is its client CA, a client certificate
    optional (profile 2 chargers connect with a password over the same listener)."""
    _servers_needed()
    server, authority = pki_files
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(
        port=port,
        log_path=tmp_path_factory.mktemp("asgi-tls") / "uvicorn.log",
        extra_env={"OCPP_LOCAL_CA_DIR": str(authority.directory), "CELERY_TASK_ALWAYS_EAGER": "1"},
        extra_args=(
            *("--ssl-certfile", str(server.certificate_file), "--ssl-keyfile", str(server.key_file)),
            *("--ssl-ca-certs", str(authority.directory / authority.CERTIFICATE_FILE), "--ssl-cert-reqs", "1"),
            *("--ws", WS_PROTOCOL),
        ),
        ssl_context=server.client_context(),
    )
    yield f"wss://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture(scope="module")
def proxy_server(pki_files, django_db_setup, django_db_blocker, tmp_path_factory):
    """uvicorn behind a TLS proxy: plain ws, believing the certificate header from 127.0.0.1."""
    _servers_needed()
    _, authority = pki_files
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(
        port=port,
        log_path=tmp_path_factory.mktemp("asgi-proxy") / "uvicorn.log",
        extra_env={"OCPP_LOCAL_CA_DIR": str(authority.directory), "OCPP_TLS_PROXY_ADDRESSES": "127.0.0.1"},
        extra_args=("--ws", WS_PROTOCOL),
    )
    yield f"ws://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@asynccontextmanager
async def secure_connection(base_url: str, identity: str, *, context: ssl.SSLContext | None, headers=None):
    async with websockets.connect(
        f"{base_url}/ocpp/{identity}",
        subprotocols=["ocpp1.6"],
        additional_headers=headers or {},
        ssl=context,
        open_timeout=TIMEOUT,
    ) as socket:
        charger = SecureCharger(identity, socket, response_timeout=TIMEOUT)
        serving = asyncio.create_task(charger.start())
        try:
            yield charger
        finally:
            serving.cancel()


async def _refused_status(base_url: str, identity: str, **options) -> int:
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with secure_connection(base_url, identity, **options):
            pass
    return refused.value.response.status_code


async def _until(predicate, timeout: float = TIMEOUT):
    async def poll():
        while not (result := await in_db(predicate)()):
            await asyncio.sleep(0.05)
        return result

    return await asyncio.wait_for(poll(), timeout)


def _client_context(server: pki.ServerPki, chain_pem: str, key) -> ssl.SSLContext:
    return server.client_context(certificate_pem=chain_pem.encode(), key=key)


def test_a_charger_gets_its_certificate_signed_then_connects_by_it_alone(tls_server, pki_files):
    server, authority = pki_files
    station = ChargingStationFactory(identity="SEC-CP1", security_profile=ChargingStation.SecurityProfile.BASIC_TLS)

    async def scenario():
        # Profile 2 over the same TLS listener: a password, no client certificate.
        async with secure_connection(
            tls_server, "SEC-CP1", context=server.client_context(), headers=basic_auth("SEC-CP1")
        ) as charger:
            assert (await charger.boot()).status == "Accepted"
            assert await charger.request_certificate() == "Accepted"
            await asyncio.wait_for(charger.got_chain.wait(), TIMEOUT)
            await charger.call(
                call.SecurityEventNotification(
                    type="SettingSystemTime", timestamp=timezone.now().isoformat(), tech_info="NTP sync"
                )
            )
            issued = await _until(lambda: ChargerCertificate.objects.filter(station=station, status="accepted").first())
            chain, key = charger.signed_chain, charger.key
        leaf = x509.load_pem_x509_certificate(chain.encode())
        leaf.verify_directly_issued_by(authority.root_certificate())
        assert issued.fingerprint_sha256 == certificates.fingerprint(leaf)
        assert await in_db(SecurityEvent.objects.filter(station=station, event_type="SettingSystemTime").exists)()

        await in_db(ChargingStation.objects.filter(pk=station.pk).update)(security_profile=PROFILE_3)
        own = _client_context(server, chain, key)
        async with secure_connection(tls_server, "SEC-CP1", context=own) as charger:
            assert (await charger.boot()).status == "Accepted"

        # No downgrade: the password alone, or a forged proxy header, admits nobody now.
        assert (
            await _refused_status(tls_server, "SEC-CP1", context=server.client_context(), headers=basic_auth("SEC-CP1"))
            == 401
        )
        forged = {"X-SSL-Client-Cert": quote(chain), "X-SSL-Client-Verify": "SUCCESS"}
        assert await _refused_status(tls_server, "SEC-CP1", context=server.client_context(), headers=forged) == 401
        # The certificate is bound to its subject: it does not open another station.
        await in_db(ChargingStationFactory)(identity="SEC-CP9", security_profile=PROFILE_3)
        assert await _refused_status(tls_server, "SEC-CP9", context=own) == 401

        # A certificate from any other CA fails the TLS handshake itself.
        rogue_key, rogue_root = root_create(common_name="Rogue CA")
        rogue = pki.leaf_sign(ca_key=rogue_key, ca_certificate=rogue_root, common_name="SEC-CP1", key=key)
        with pytest.raises((ssl.SSLError, ConnectionError, websockets.exceptions.InvalidMessage)):
            async with secure_connection(
                tls_server, "SEC-CP1", context=_client_context(server, pki.pem(rogue).decode(), key)
            ):
                pass

        await in_db(certificates.certificate_revoke)(certificate=issued, at=timezone.now())
        assert await _refused_status(tls_server, "SEC-CP1", context=own) == 401

    run(scenario())


def test_every_security_command_reaches_a_profile_3_charger_and_its_answer_is_kept(tls_server, pki_files):
    server, authority = pki_files
    station = ChargingStationFactory(identity="SEC-CP3", security_profile=PROFILE_3)
    key = pki.charger_key()
    csr = x509.load_pem_x509_csr(pki.csr_pem("SEC-CP3", key=key).encode())
    chain = pki.pem(authority.sign(csr=csr, station_identity="SEC-CP3")[0]).decode()
    root_pem = pki.pem(authority.root_certificate()).decode()

    def queue(action: str, parameters: dict) -> CommandRequest:
        return command_request(station=station, action=action, parameters=parameters)

    async def answered(action: str, parameters: dict) -> CommandRequest:
        request = await in_db(queue)(action, parameters)
        return await _until(
            lambda: CommandRequest.objects.filter(pk=request.pk, status__in=CommandRequest.FINAL_STATUSES).first()
        )

    async def scenario():
        async with secure_connection(tls_server, "SEC-CP3", context=_client_context(server, chain, key)) as charger:
            assert (await charger.boot()).status == "Accepted"
            install = await answered("install_certificate", {"certificate_type": "csms_root", "certificate": root_pem})
            assert install.status == "accepted"
            held = await in_db(lambda: list(InstalledCertificate.objects.filter(station=station)))()
            assert [(row.certificate_type, row.certificate_pem) for row in held] == [("csms_root", root_pem)]

            listed = await answered("get_installed_certificate_ids", {"certificate_type": "csms_root"})
            assert listed.status == "accepted"
            hashes = certificates.hash_data(authority.root_certificate())
            assert await in_db(
                InstalledCertificate.objects.filter(station=station, serial_number=hashes["serialNumber"]).exists
            )()

            deleted = await answered(
                "delete_certificate",
                {
                    "hash_algorithm": "sha256",
                    "issuer_name_hash": hashes["issuerNameHash"],
                    "issuer_key_hash": hashes["issuerKeyHash"],
                    "serial_number": hashes["serialNumber"],
                },
            )
            assert deleted.status == "accepted"
            assert not await in_db(InstalledCertificate.objects.filter(station=station).exists)()

            # The charger asks for a new certificate when triggered; it is signed and sent.
            triggered = await answered("trigger_message", {"message": "sign_certificate"})
            assert triggered.status == "accepted"
            await asyncio.wait_for(charger.got_chain.wait(), TIMEOUT)
            await _until(lambda: ChargerCertificate.objects.filter(station=station, status="accepted").exists())

            log = await answered("get_log", {"log_type": "security", "request_id": 41, "location": "https://logs/"})
            assert (log.status, log.result) == ("accepted", {"status": "accepted", "filename": "security.log"})
            await _until(lambda: CommandRequest.objects.filter(pk=log.pk, followup_status="Uploaded").exists())

            firmware = await answered(
                "update_firmware",
                {
                    "location": "https://fw/x.bin",
                    "retrieve_at": timezone.now().isoformat(),
                    "request_id": 42,
                    "signing_certificate": root_pem,
                    "signature": "c2lnbmF0dXJl",
                },
            )
            assert firmware.status == "accepted"
            await _until(
                lambda: CommandRequest.objects.filter(pk=firmware.pk, followup_status="SignatureVerified").exists()
            )
            assert [name for name, _ in charger.received] == [
                "InstallCertificate",
                "GetInstalledCertificateIds",
                "DeleteCertificate",
                "ExtendedTriggerMessage",
                "CertificateSigned",
                "GetLog",
                "SignedUpdateFirmware",
            ]

    run(scenario())


def test_behind_a_tls_proxy_the_forwarded_certificate_admits_the_station(proxy_server, pki_files):
    _, authority = pki_files
    ChargingStationFactory(identity="SEC-CP2", security_profile=PROFILE_3)
    csr = x509.load_pem_x509_csr(pki.csr_pem("SEC-CP2").encode())
    escaped = quote(pki.pem(authority.sign(csr=csr, station_identity="SEC-CP2")[0]).decode())

    async def scenario():
        verified = {"X-SSL-Client-Cert": escaped, "X-SSL-Client-Verify": "SUCCESS"}
        async with secure_connection(proxy_server, "SEC-CP2", context=None, headers=verified) as charger:
            assert (await charger.boot()).status == "Accepted"
        unverified = {"X-SSL-Client-Cert": escaped, "X-SSL-Client-Verify": "FAILED:unable to verify"}
        assert await _refused_status(proxy_server, "SEC-CP2", context=None, headers=unverified) == 401
        assert await _refused_status(proxy_server, "SEC-CP2", context=None) == 401

    run(scenario())


# --- OCPP 2.0.1: blocks A and M -------------------------------------------------------------
class SecureCharger201(SimulatedCharger201):
    """A 2.0.1 charger that keeps the certificate the CSMS signs and holds root certificates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed = asyncio.Queue()
        self.roots: list[tuple[str, x509.Certificate]] = []

    @on(Action201.certificate_signed)
    def on_certificate_signed(self, certificate_chain, certificate_type=None, **payload):
        self._record("CertificateSigned", certificate_type=certificate_type)
        self.signed.put_nowait(certificate_chain)
        return call_result201.CertificateSigned(status="Accepted")

    @on(Action201.install_certificate)
    def on_install_certificate(self, certificate_type, certificate, **payload):
        self._record("InstallCertificate", certificate_type=certificate_type)
        self.roots.append((certificate_type, x509.load_pem_x509_certificate(certificate.encode())))
        return call_result201.InstallCertificate(status="Accepted")

    @on(Action201.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, certificate_type=None, **payload):
        self._record("GetInstalledCertificateIds", certificate_type=certificate_type)
        chains = [
            {"certificate_type": use, "certificate_hash_data": _snake(certificates.hash_data(root))}
            for use, root in self.roots
        ]
        if not chains:
            return call_result201.GetInstalledCertificateIds(status="NotFound")
        return call_result201.GetInstalledCertificateIds(status="Accepted", certificate_hash_data_chain=chains)

    @on(Action201.delete_certificate)
    def on_delete_certificate(self, certificate_hash_data, **payload):
        self._record("DeleteCertificate", **certificate_hash_data)
        kept = [
            (use, root)
            for use, root in self.roots
            if format(root.serial_number, "x") != certificate_hash_data["serial_number"]
        ]
        status = "Accepted" if len(kept) < len(self.roots) else "NotFound"
        self.roots = kept
        return call_result201.DeleteCertificate(status=status)

    @after(Action201.trigger_message)
    async def after_trigger_message(self, requested_message, **payload):
        if requested_message == "SignChargingStationCertificate":
            await self.call(call201.SignCertificate(csr=pki.csr_pem(self.id)))


def _snake(hash_data: dict) -> dict:
    return {
        "hash_algorithm": hash_data["hashAlgorithm"],
        "issuer_name_hash": hash_data["issuerNameHash"],
        "issuer_key_hash": hash_data["issuerKeyHash"],
        "serial_number": hash_data["serialNumber"],
    }


def test_a_201_charger_at_profile_3_speaks_security_and_15118_certificate_management(tls_server, pki_files):
    server, authority = pki_files
    station = ChargingStationFactory(identity="SEC-201", security_profile=PROFILE_3)
    key = pki.charger_key()
    csr = x509.load_pem_x509_csr(pki.csr_pem("SEC-201", key=key).encode())
    own = authority.sign(csr=csr, station_identity="SEC-201")[0]
    root = authority.root_certificate()

    def queue(action: str, parameters: dict) -> CommandRequest:
        # Fresh from the database: the connection recorded that the station speaks 2.0.1.
        return command_request(station=ChargingStation.objects.get(pk=station.pk), action=action, parameters=parameters)

    async def answered(action: str, parameters: dict) -> CommandRequest:
        request = await in_db(queue)(action, parameters)
        return await _until(
            lambda: CommandRequest.objects.filter(pk=request.pk, status__in=CommandRequest.FINAL_STATUSES).first()
        )

    async def scenario():
        async with websockets.connect(
            f"{tls_server}/ocpp/SEC-201",
            subprotocols=["ocpp2.0.1"],
            ssl=_client_context(server, pki.pem(own).decode(), key),
            open_timeout=TIMEOUT,
        ) as socket:
            charger = SecureCharger201("SEC-201", socket, response_timeout=TIMEOUT)
            serving = asyncio.create_task(charger.start())
            try:
                assert (await charger.boot()).status == "Accepted"
                await charger.call(
                    call201.SecurityEventNotification(type="FirmwareUpdated", timestamp=timezone.now().isoformat())
                )
                assert (await charger.call(call201.SignCertificate(csr=pki.csr_pem("SEC-201")))).status == "Accepted"
                chain = await asyncio.wait_for(charger.signed.get(), TIMEOUT)
                assert certificates.common_name(x509.load_pem_x509_certificate(chain.encode()).subject) == "SEC-201"
                v2g = await charger.call(
                    call201.SignCertificate(csr=pki.csr_pem("SEC-201"), certificate_type="V2GCertificate")
                )
                assert v2g.status == "Rejected"

                with pki.ocsp_responder(authority, own) as (url, _):
                    hashes_ = _snake(certificates.hash_data(own, issuer_public_key=root.public_key()))
                    status = await charger.call(
                        call201.GetCertificateStatus(ocsp_request_data={**hashes_, "responder_url": url})
                    )
                assert status.status == "Accepted"
                ocsp_answer = ocsp.load_der_ocsp_response(base64.b64decode(status.ocsp_result))
                assert ocsp_answer.certificate_status == ocsp.OCSPCertStatus.GOOD
                ev = await charger.call(
                    call201.Get15118EVCertificate(
                        iso15118_schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="AAE="
                    )
                )
                assert ev.status == "Failed"

                root_pem = pki.pem(root).decode()
                assert (
                    await answered("install_certificate", {"certificate_type": "v2g_root", "certificate": root_pem})
                ).status == "accepted"
                assert (await answered("get_installed_certificate_ids", {})).status == "accepted"
                rows = await in_db(lambda: list(InstalledCertificate.objects.filter(station=station)))()
                assert [row.certificate_type for row in rows] == ["v2g_root"]
                hash_data = certificates.hash_data(root)
                deleted = await answered(
                    "delete_certificate",
                    {
                        "hash_algorithm": "sha256",
                        "issuer_name_hash": hash_data["issuerNameHash"],
                        "issuer_key_hash": hash_data["issuerKeyHash"],
                        "serial_number": hash_data["serialNumber"],
                    },
                )
                assert deleted.status == "accepted"
                assert not await in_db(InstalledCertificate.objects.filter(station=station).exists)()

                log = await answered("get_log", {"log_type": "security", "request_id": 77, "location": "https://logs/"})
                assert log.status == "accepted"
                await charger.call(call201.LogStatusNotification(status="Uploaded", request_id=77))
                await _until(lambda: CommandRequest.objects.filter(pk=log.pk, followup_status="Uploaded").exists())

                assert (await answered("trigger_message", {"message": "sign_certificate"})).status == "accepted"
                await asyncio.wait_for(charger.signed.get(), TIMEOUT)
                accepted = await _until(
                    lambda: ChargerCertificate.objects.filter(station=station, status="accepted").count() == 2
                )
                assert accepted
            finally:
                serving.cancel()
        assert await in_db(SecurityEvent.objects.filter(station=station, event_type="FirmwareUpdated").exists)()

    run(scenario())


# --- behind a real TLS proxy: HAProxy verifying the client certificate ------------------------
@pytest.fixture(scope="module")
def haproxy_tls(proxy_server, pki_files, tmp_path_factory):
    """HAProxy terminating TLS with the CSMS CA as client CA (verify optional), passing the
    verified certificate on as the README's headers say, in front of `proxy_server`."""
    if not shutil.which("haproxy"):
        pytest.skip("needs haproxy (Debian package haproxy)")
    server, authority = pki_files
    root = tmp_path_factory.mktemp("haproxy")
    bundle = root / "server.pem"
    bundle.write_bytes(server.certificate_file.read_bytes() + server.key_file.read_bytes())
    port, backend = live_servers.free_port(), proxy_server.rsplit(":", 1)[1]
    config = root / "haproxy.cfg"
    config.write_text(f"""defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend chargers
    bind 127.0.0.1:{port} ssl crt {bundle} ca-file {authority.directory / authority.CERTIFICATE_FILE} verify optional
    http-request del-header X-SSL-Client-Cert
    http-request del-header X-SSL-Client-Verify
    http-request set-header X-SSL-Client-Cert %[ssl_c_der,base64] if {{ ssl_c_used }}
    http-request set-header X-SSL-Client-Verify SUCCESS if {{ ssl_c_used }} {{ ssl_c_verify 0 }}
    default_backend web
backend web
    server web1 127.0.0.1:{backend}
""")
    log = (root / "haproxy.log").open("ab")
    process = subprocess.Popen(["haproxy", "-f", str(config), "-db"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, (root / "haproxy.log").read_text()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"wss://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_behind_haproxy_the_verified_certificate_admits_and_a_forged_header_does_not(haproxy_tls, pki_files):
    server, authority = pki_files
    ChargingStationFactory(identity="SEC-HAP", security_profile=PROFILE_3)
    key = pki.charger_key()
    csr = x509.load_pem_x509_csr(pki.csr_pem("SEC-HAP", key=key).encode())
    chain = pki.pem(authority.sign(csr=csr, station_identity="SEC-HAP")[0]).decode()

    async def scenario():
        async with secure_connection(haproxy_tls, "SEC-HAP", context=_client_context(server, chain, key)) as charger:
            assert (await charger.boot()).status == "Accepted"
        forged = {"X-SSL-Client-Cert": quote(chain), "X-SSL-Client-Verify": "SUCCESS"}
        assert await _refused_status(haproxy_tls, "SEC-HAP", context=server.client_context(), headers=forged) == 401

    run(scenario())
