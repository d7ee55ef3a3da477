import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from config import live_servers


@pytest.fixture(scope="module")
def ocpi_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real uvicorn that knows its own address as OCPI_PUBLIC_URL (its versions and
    endpoint URLs must point at itself), with pages of 2 so that clients follow Link.
    Yields the base URL."""
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("ocpi") / "uvicorn.log"
    process = live_servers.start_uvicorn(
        port=port, log_path=log_path, extra_env={"OCPI_PUBLIC_URL": url, "OCPI_PAGE_LIMIT": "2"}
    )
    yield url
    with django_db_blocker.unblock():
        live_servers.stop(process)


class _Recorder(BaseHTTPRequestHandler):
    """A partner's OCPI API standing in for a network we do not run: records each request and
    answers 1000 (or what `answers` holds for a path prefix)."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        self.server.requests.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "json": body}
        )
        status, payload = 200, {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        for prefix, answer in self.server.answers.items():
            if self.path.startswith(prefix):
                status, payload = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def partner_api():
    """A recording stand-in for a partner's OCPI API on loopback; `.url`, `.requests`,
    `.answers[path_prefix] = (http_status, body)`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests, server.answers = [], {}
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
