"""Reminders to the owner of a candidate's current stage: due soon or overdue, once a
day, never for later stages or closed candidates."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from stations.pipeline.models.candidates import Stage
from stations.pipeline.services import candidates, reminders
from stations.tasks import remind_pipeline_stages
from stations.tests.test_pipeline import NOW, candidate_create

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture
def owner():
    return get_user_model().objects.create_user("surveyor", "surveyor@example.com", "x", is_staff=True)


def test_owner_of_a_stage_due_in_three_days_is_reminded_once_a_day(owner):
    candidate = candidate_create(
        stage_plan={
            Stage.SURVEY: {"owner": owner, "due_on": TODAY + timedelta(days=3)},
            Stage.PERMIT: {"owner": owner, "due_on": TODAY},  # not its turn yet
        }
    )
    assert reminders.pipeline_reminders_send(today=TODAY - timedelta(days=1)) == []
    (reminded,) = reminders.pipeline_reminders_send(today=TODAY)
    assert reminders.pipeline_reminders_send(today=TODAY) == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["surveyor@example.com"]
    assert "Marktplatz: Survey due 2026-03-13" in mail.outbox[0].subject
    assert reminders.pipeline_reminders_send(today=TODAY + timedelta(days=5)) == [reminded]
    assert "overdue since 2026-03-13" in mail.outbox[1].subject
    candidates.stage_complete(candidate=candidate, stage=Stage.SURVEY, user=owner, now=NOW)
    assert reminders.pipeline_reminders_send(today=TODAY + timedelta(days=6)) == []


def test_a_dropped_candidate_reminds_no_one(owner):
    candidate = candidate_create(stage_plan={Stage.SURVEY: {"owner": owner, "due_on": TODAY}})
    candidates.candidate_drop(candidate=candidate, reason="too far from the road")
    assert reminders.pipeline_reminders_send(today=TODAY) == []


def test_the_beat_task_sends_todays_reminders(owner):
    candidate_create(stage_plan={Stage.SURVEY: {"owner": owner, "due_on": date(2000, 1, 1)}})
    assert len(remind_pipeline_stages.apply().get()) == 1
    assert "overdue" in mail.outbox[0].subject
