"""Loaded by pytest with `-p config.testing`, before Django reads its settings.

Tests may run in production mode (DATABASE_URL/REDIS_URL set, as in CI); these are the
only production values a test run may default, and none of them is a real secret.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "*")
# The test client and the loopback servers speak plain HTTP; there is no proxy in front.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# No collectstatic before tests: serve static files from the apps, unhashed.
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
# Channel-layer groups and the Celery queue are namespaced per test run, so that several
# runs sharing one Redis (or a stray worker) never see each other's messages.
os.environ.setdefault("CHANNELS_PREFIX", f"evcms-test-{os.getpid()}")
os.environ.setdefault("CELERY_QUEUE", f"evcms-test-{os.getpid()}")
# Embedded-mode runs keep their broker files, cache and dev secret out of the project's
# var/, so a later `make run` worker never picks up a task a test queued.
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="evcms-test-var-"))
