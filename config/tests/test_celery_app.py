"""The beat schedule is declared in code and every entry names a task that exists."""

from config.celery import BEAT_SCHEDULE, app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    missing = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items() if entry["task"] not in app.tasks}
    assert missing == {}


def test_tasks_are_acknowledged_late_and_json_only():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.accept_content == ["json"]
