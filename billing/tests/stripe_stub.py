"""A stand-in for Stripe's HTTP API on loopback, just enough of /v1/payment_intents for
our provider: it answers like Stripe (JSON objects, card errors with HTTP 402), replays
the stored answer for a repeated Idempotency-Key, and records what it was asked. The
real `stripe` library talks to it over a real socket; only Stripe's servers are faked."""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

DECLINING_CARD = "pm_card_chargeDeclined"
# Payment methods the stand-in knows (as Stripe's test mode does), with what may be shown of them.
CARDS = {
    "pm_card_visa": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
    "pm_card_mastercard": {"brand": "mastercard", "last4": "4444", "exp_month": 3, "exp_year": 2031},
}
# SEPA direct debit payment methods, after Stripe's test IBANs (DE89 3704 0044 0532 0130 00
# succeeds; …3001 fails after processing, as Stripe's test mode does).
SEPA_IBANS = {
    "pm_sepa_debit_de": {"last4": "3000", "country": "DE", "bank_code": "37040044"},
    "pm_sepa_debit_failing": {"last4": "3001", "country": "DE", "bank_code": "37040044"},
}


class StripeStub:
    def __init__(self):
        self.intents: dict[str, dict] = {}
        self.setup_intents: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.attached: dict[str, str] = {}  # payment method -> customer
        self.answers_by_key: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "StripeStub":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, method: str, path: str, form: dict, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"method": method, "path": path, "form": form, "idempotency_key": key})
            if key and key in self.answers_by_key:
                return self.answers_by_key[key]
            answer = self._answer(path, form)
            if key:
                self.answers_by_key[key] = answer
            return answer

    def _answer(self, path: str, form: dict) -> tuple[int, dict]:
        parts = path.split("?")[0].strip("/").split("/")
        if parts[:2] in (["v1", "customers"], ["v1", "setup_intents"], ["v1", "payment_methods"]):
            return self._cards(parts, form)
        if parts == ["v1", "payment_intents"]:
            return self._create(form)
        if parts == ["v1", "refunds"]:
            return self._refund(form)
        intent = self.intents.get(parts[2]) if len(parts) >= 3 else None
        if intent is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}
        if parts[3:] == ["capture"]:
            intent.update(status="succeeded", amount_received=int(form.get("amount_to_capture", intent["amount"])))
        elif parts[3:] == ["cancel"]:
            intent.update(status="canceled")
        return 200, dict(intent)

    def _refund(self, form: dict) -> tuple[int, dict]:
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None or int(form["amount"]) > intent["amount_received"] - intent.get("amount_refunded", 0):
            return 400, {"error": {"type": "invalid_request_error", "message": "Refund exceeds the captured amount."}}
        intent["amount_refunded"] = intent.get("amount_refunded", 0) + int(form["amount"])
        refund = {
            "id": f"re_test_{next(self._ids):06d}",
            "object": "refund",
            "amount": int(form["amount"]),
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        return 200, refund

    def _cards(self, parts: list[str], form: dict) -> tuple[int, dict]:
        if parts == ["v1", "customers"]:
            customer = {"id": f"cus_test_{next(self._ids):06d}", "object": "customer", "email": form.get("email")}
            self.customers[customer["id"]] = customer
            return 200, customer
        if parts == ["v1", "setup_intents"]:
            number = next(self._ids)
            intent = {
                "id": f"seti_test_{number:06d}",
                "object": "setup_intent",
                "client_secret": f"seti_test_{number:06d}_secret_stub",
                "customer": form.get("customer"),
                "usage": form.get("usage"),
                "payment_method_types": [v for k, v in sorted(form.items()) if k.startswith("payment_method_types[")],
                "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
                "payment_method": None,
                "status": "requires_payment_method",
            }
            self.setup_intents[intent["id"]] = intent
            return 200, intent
        card = CARDS.get(parts[2]) if len(parts) >= 3 else None
        sepa = SEPA_IBANS.get(parts[2]) if len(parts) >= 3 else None
        if card is None and sepa is None:
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": "No such PaymentMethod",
                }
            }
        if sepa is not None:
            method = {"id": parts[2], "object": "payment_method", "type": "sepa_debit", "sepa_debit": dict(sepa)}
        else:
            method = {"id": parts[2], "object": "payment_method", "type": "card", "card": dict(card)}
        if parts[3:] == ["detach"]:
            if parts[2] not in self.attached:
                message = "The payment method you provided is not attached to a customer."
                return 400, {"error": {"type": "invalid_request_error", "message": message}}
            del self.attached[parts[2]]
        method["customer"] = self.attached.get(parts[2])
        return 200, method

    def setup_succeed(self, intent_id: str, payment_method: str) -> dict:
        """What Stripe does when the driver confirms the card form: the card is attached to
        the customer and the SetupIntent succeeds. Returns the intent as a webhook carries it."""
        intent = self.setup_intents[intent_id]
        self.attached[payment_method] = intent["customer"]
        intent.update(status="succeeded", payment_method=payment_method)
        if payment_method in SEPA_IBANS:
            intent["mandate"] = f"mandate_test_{next(self._ids):06d}"
        return dict(intent)

    def debit_outcome(self, intent_id: str, status: str) -> dict:
        """What Stripe does days after a SEPA debit was submitted: the processing intent
        succeeds or fails (a failure may also follow an earlier success). Returns the intent
        as a webhook carries it."""
        intent = self.intents[intent_id]
        intent["status"] = status
        if status == "succeeded":
            intent["amount_received"] = intent["amount"]
        else:
            intent["amount_received"] = 0
            intent["last_payment_error"] = {
                "code": "insufficient_funds",
                "message": "The account has insufficient funds.",
            }
        return dict(intent)

    def _create(self, form: dict) -> tuple[int, dict]:
        intent = {
            "id": f"pi_test_{next(self._ids):06d}",
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "customer": form.get("customer"),
            "payment_method": form.get("payment_method"),
            "capture_method": form.get("capture_method", "automatic"),
            "amount_received": 0,
            "payment_method_types": [v for k, v in sorted(form.items()) if k.startswith("payment_method_types[")],
            "status": "requires_capture" if form.get("capture_method") == "manual" else "succeeded",
        }
        if form.get("payment_method") in SEPA_IBANS:
            # A debit is only submitted to the bank: the outcome comes days later.
            intent["status"] = "processing"
        if form.get("payment_method") == DECLINING_CARD:
            intent["status"] = "requires_payment_method"
            self.intents[intent["id"]] = intent
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "payment_intent": intent,
            }
            return 402, {"error": error}
        if intent["status"] == "succeeded":
            intent["amount_received"] = intent["amount"]
        self.intents[intent["id"]] = intent
        return 200, intent

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                form = {k: v[-1] for k, v in parse_qs(body).items()}
                status, payload = stub.handle("POST", self.path, form, self.headers.get("Idempotency-Key"))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_test")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        return Handler


def signed_event(*, secret: str, event_type: str, intent: dict, event_id: str = "evt_test_1") -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed the way Stripe signs them
    (HMAC-SHA256 over "<timestamp>.<body>")."""
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "api_version": "2024-06-20",
            "data": {"object": intent},
        }
    ).encode()
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"
