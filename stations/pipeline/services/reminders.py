"""Reminders to a stage's owner as its due date nears or passes: one e-mail per stage
per day at most, however often the beat runs."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q

from stations.pipeline.models.candidates import CandidateSite, PipelineStage

REMIND_DAYS_BEFORE = 3


def stages_due(*, today: date):
    """Open stages of open candidates, current ones only, due within REMIND_DAYS_BEFORE
    days or overdue, with an owner who has an e-mail address."""
    return (
        PipelineStage.objects.filter(
            completed_at__isnull=True,
            due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
            candidate__outcome=CandidateSite.Outcome.OPEN,
            # Only the candidate's current stage: later ones wait their turn.
            candidate__stage=F("stage"),
            owner__isnull=False,
        )
        .exclude(owner__email="")
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_related("candidate", "owner")
    )


def pipeline_reminders_send(*, today: date) -> list[int]:
    """E-mail each due stage's owner and return the stage ids reminded. Safe to run
    concurrently and repeatedly: each row is claimed for the day by compare-and-set; a
    failed send releases the claim so the next run tries again."""
    reminded = []
    for row in stages_due(today=today):
        previous = row.reminded_on
        claimed = PipelineStage.objects.filter(pk=row.pk, reminded_on=previous).update(reminded_on=today)
        if not claimed:
            continue  # Another worker got there first.
        overdue = row.due_on < today
        subject = (
            f"[EV pipeline] {row.candidate.name}: {row.get_stage_display()} "
            f"{'overdue since' if overdue else 'due'} {row.due_on:%Y-%m-%d}"
        )
        body = (
            f"{row.candidate.name}, {row.candidate.address}, {row.candidate.city}\n"
            f"Stage: {row.get_stage_display()}, due {row.due_on:%Y-%m-%d}.\n"
        )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [row.owner.email])
        except Exception:
            PipelineStage.objects.filter(pk=row.pk, reminded_on=today).update(reminded_on=previous)
            raise
        reminded.append(row.pk)
    return reminded
