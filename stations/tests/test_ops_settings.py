"""Operations settings fail loudly: a bad value stops start-up naming its variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def django_check(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPS_", "DATABASE_URL", "REDIS_URL"))}
    clean.update(VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OPS_DEBOUNCE_SECONDS": "two minutes"}, "OPS_DEBOUNCE_SECONDS"),
        ({"OPS_DIGEST_THRESHOLD": "0"}, "OPS_DIGEST_THRESHOLD"),
        ({"OPS_ALERT_WEBHOOK_URL": "nonsense"}, "OPS_ALERT_WEBHOOK_URL"),
        ({"OPS_ALERT_WEBHOOK_URL": "https://hooks.example.com/ev"}, "OPS_ALERT_WEBHOOK_SECRET"),
        ({"OPS_DIAGNOSTICS_UPLOAD_URL": "gopher://logs"}, "OPS_DIAGNOSTICS_UPLOAD_URL"),
    ],
)
def test_bad_operations_setting_stops_start_up_naming_the_variable(tmp_path, env, named):
    result = django_check(tmp_path, **env)
    assert result.returncode != 0
    assert named in result.stderr


def test_good_operations_settings_start(tmp_path):
    result = django_check(
        tmp_path,
        OPS_ALERT_WEBHOOK_URL="https://hooks.example.com/ev",
        OPS_ALERT_WEBHOOK_SECRET="a-long-enough-shared-secret",
        OPS_DIAGNOSTICS_UPLOAD_URL="ftp://logs.example.com/in/",
        OPS_OFFLINE_HEARTBEATS="4",
    )
    assert result.returncode == 0, result.stderr
