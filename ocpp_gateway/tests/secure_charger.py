"""A simulated OCPP 1.6 charger with the security extension: it keeps the certificate the
CSMS signs for it, holds root certificates, and answers GetLog, SignedUpdateFirmware and
ExtendedTriggerMessage with the notifications a compliant charger sends after them."""

import asyncio

from cryptography import x509
from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from ocpp_gateway.security.certificates import hash_data
from ocpp_gateway.tests import pki
from ocpp_gateway.tests.charger import SimulatedCharger

CERTIFICATE_USES = {"CentralSystemRootCertificate", "ManufacturerRootCertificate"}


class SecureCharger(SimulatedCharger):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = pki.charger_key()
        self.signed_chain: str | None = None
        self.got_chain = asyncio.Event()
        self.roots: dict[str, list[x509.Certificate]] = {use: [] for use in CERTIFICATE_USES}

    async def request_certificate(self) -> str:
        """Send a CSR for a new key; the answer's status ("Accepted"/"Rejected")."""
        self.key = pki.charger_key()
        response = await self.call(call.SignCertificate(csr=pki.csr_pem(self.id, key=self.key)))
        return response.status

    @on(Action.certificate_signed)
    def on_certificate_signed(self, certificate_chain, **payload):
        self._record("CertificateSigned", certificate_chain=certificate_chain)
        self.signed_chain = certificate_chain
        self.got_chain.set()
        return call_result.CertificateSigned(status="Accepted")

    @on(Action.install_certificate)
    def on_install_certificate(self, certificate_type, certificate, **payload):
        self._record("InstallCertificate", certificate_type=certificate_type)
        self.roots[certificate_type].append(x509.load_pem_x509_certificate(certificate.encode()))
        return call_result.InstallCertificate(status="Accepted")

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, certificate_type, **payload):
        self._record("GetInstalledCertificateIds", certificate_type=certificate_type)
        held = [hash_data(root) for root in self.roots[certificate_type]]
        if not held:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data=held)

    @on(Action.delete_certificate)
    def on_delete_certificate(self, certificate_hash_data, **payload):
        self._record("DeleteCertificate", **certificate_hash_data)
        for use, roots in self.roots.items():
            kept = [root for root in roots if format(root.serial_number, "x") != certificate_hash_data["serial_number"]]
            if len(kept) < len(roots):
                self.roots[use] = kept
                return call_result.DeleteCertificate(status="Accepted")
        return call_result.DeleteCertificate(status="NotFound")

    @on(Action.extended_trigger_message)
    def on_extended_trigger_message(self, requested_message, **payload):
        self._record("ExtendedTriggerMessage", requested_message=requested_message)
        return call_result.ExtendedTriggerMessage(status="Accepted")

    @after(Action.extended_trigger_message)
    async def after_extended_trigger_message(self, requested_message, **payload):
        if requested_message == "SignChargePointCertificate":
            await self.request_certificate()

    @on(Action.get_log)
    def on_get_log(self, log_type, request_id, log, **payload):
        self._record("GetLog", log_type=log_type, request_id=request_id, log=log)
        return call_result.GetLog(status="Accepted", filename="security.log")

    @after(Action.get_log)
    async def after_get_log(self, request_id, **payload):
        for status in ("Uploading", "Uploaded"):
            await self.call(call.LogStatusNotification(status=status, request_id=request_id))

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, request_id, firmware, **payload):
        self._record("SignedUpdateFirmware", request_id=request_id, firmware=firmware)
        return call_result.SignedUpdateFirmware(status="Accepted")

    @after(Action.signed_update_firmware)
    async def after_signed_update_firmware(self, request_id, **payload):
        for status in ("Downloading", "Downloaded", "SignatureVerified"):
            await self.call(call.SignedFirmwareStatusNotification(status=status, request_id=request_id))
