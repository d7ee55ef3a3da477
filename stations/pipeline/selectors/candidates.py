"""Reads for the pipeline pages: candidates with their current stage's owner and due
date, and the map's points."""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from stations.pipeline.models.candidates import CandidateSite, PipelineStage


def _current_stage_rows():
    return PipelineStage.objects.filter(candidate=OuterRef("pk"), stage=OuterRef("stage"))


def pipeline_candidates(*, include_closed: bool = False) -> QuerySet[CandidateSite]:
    """Candidates annotated with `due_on` and `owner_email` of their current stage."""
    candidates = CandidateSite.objects.select_related("operator", "site").annotate(
        due_on=Subquery(_current_stage_rows().values("due_on")[:1]),
        owner_email=Subquery(_current_stage_rows().values("owner__email")[:1]),
    )
    if not include_closed:
        candidates = candidates.exclude(outcome=CandidateSite.Outcome.DROPPED)
    return candidates.order_by("stage", "due_on", "name")


def pipeline_map_points(*, today: date) -> list[dict]:
    """One point per candidate (not dropped) for the staff map."""
    return [
        {
            "id": candidate.pk,
            "name": candidate.name,
            "lat": float(candidate.latitude),
            "lon": float(candidate.longitude),
            "stage": candidate.stage,
            "stage_label": str(candidate.get_stage_display()),
            "due_on": candidate.due_on.isoformat() if candidate.due_on else None,
            "overdue": bool(candidate.due_on and candidate.due_on < today and candidate.outcome == "open"),
        }
        for candidate in pipeline_candidates()
    ]
