import pytest
from celery import Task
from django.db import transaction

from config.celery import TransactionAwareTask, app


@app.task(name="config.tests.record")
def record(value):
    return value


@pytest.fixture
def sent(monkeypatch):
    """What reaches the broker: Celery's own send, which the task class defers."""
    messages = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: messages.append(args))
    return messages


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_inside_a_transaction_leaves_only_after_the_commit(sent):
    with transaction.atomic():
        assert record.delay(1) is None
        assert sent == []
    assert sent == [(1,)]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_inside_a_rolled_back_transaction_never_leaves(sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        record.delay(1)
        raise RuntimeError("rolled back")
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_outside_a_transaction_leaves_at_once(sent):
    record.delay(2)
    assert sent == [(2,)]


def test_every_app_task_gets_the_transaction_aware_class():
    from billing.tasks import price_session
    from stations.tasks import deliver_notification

    assert isinstance(price_session._get_current_object(), TransactionAwareTask)
    assert isinstance(deliver_notification._get_current_object(), TransactionAwareTask)
