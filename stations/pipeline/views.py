"""Staff pages of the site pipeline under /ops/pipeline/: the map and list, one
candidate's stages, demand, checklist and actions. Thin: forms in, one service call,
a redirect back with the outcome as a message."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stations.models import ChargingStation
from stations.pipeline.forms import CandidateForm, StagePlanForm, StationRegisterForm
from stations.pipeline.models.candidates import STAGE_ORDER, CandidateSite, Stage
from stations.pipeline.selectors import candidates as candidate_selectors
from stations.pipeline.selectors import demand as demand_selectors
from stations.pipeline.services import candidates as candidate_services


@staff_member_required
def pipeline(request):
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = candidate_services.candidate_create(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("ops:pipeline-candidate", candidate_id=candidate.pk)
    context = {
        "candidates": candidate_selectors.pipeline_candidates(),
        "points": candidate_selectors.pipeline_map_points(today=timezone.now().date()),
        "stages": [Stage(stage).label for stage in [*STAGE_ORDER, Stage.LIVE]],
        "form": form,
        "today": timezone.now().date(),
    }
    return render(request, "ops/pipeline.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_GET
def candidate_detail(request, candidate_id: int):
    candidate = get_object_or_404(CandidateSite.objects.select_related("site", "operator"), pk=candidate_id)
    stages = list(candidate.stages.select_related("owner", "completed_by"))
    stages.sort(key=lambda row: row.position)
    context = {
        "candidate": candidate,
        "stages": [(row, StagePlanForm(initial={"owner": row.owner, "due_on": row.due_on})) for row in stages],
        "checklist": candidate_services.commissioning_checklist(candidate=candidate),
        "demand": demand_selectors.demand_estimate(candidate=candidate, now=timezone.now()),
        "stations": ChargingStation.objects.filter(site_id=candidate.site_id) if candidate.site_id else [],
        "register_form": StationRegisterForm(),
    }
    return render(request, "ops/pipeline_candidate.html", context)


def _act(request, candidate_id: int, action, done: str):
    candidate = get_object_or_404(CandidateSite, pk=candidate_id)
    try:
        with transaction.atomic():
            action(candidate)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("ops:pipeline-candidate", candidate_id=candidate_id)


@staff_member_required
@require_POST
def stage_complete(request, candidate_id: int, stage: str):
    return _act(
        request,
        candidate_id,
        lambda candidate: candidate_services.stage_complete(
            candidate=candidate, stage=stage, user=request.user, now=timezone.now(), notes=request.POST.get("notes", "")
        ),
        _("Stage completed."),
    )


@staff_member_required
@require_POST
def stage_plan(request, candidate_id: int, stage: str):
    form = StagePlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a staff member and a date."))
        return redirect("ops:pipeline-candidate", candidate_id=candidate_id)
    return _act(
        request,
        candidate_id,
        lambda candidate: candidate_services.stage_plan_set(candidate=candidate, stage=stage, **form.cleaned_data),
        _("Stage planned."),
    )


@staff_member_required
@require_POST
def station_register(request, candidate_id: int):
    form = StationRegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("ops:pipeline-candidate", candidate_id=candidate_id)
    return _act(
        request,
        candidate_id,
        lambda candidate: candidate_services.candidate_station_register(
            candidate=candidate,
            identity=form.cleaned_data["identity"],
            password=form.cleaned_data["password"],
            connectors=form.connector_list(),
        ),
        _("Station registered: it is Pending until you accept it after its first boot."),
    )


@staff_member_required
@require_POST
def station_accept(request, candidate_id: int, station_id: int):
    station = get_object_or_404(ChargingStation, pk=station_id)
    return _act(
        request,
        candidate_id,
        lambda candidate: candidate_services.candidate_station_accept(candidate=candidate, station=station),
        _("Station accepted."),
    )


@staff_member_required
@require_POST
def site_publish(request, candidate_id: int):
    return _act(
        request,
        candidate_id,
        lambda candidate: candidate_services.candidate_site_publish(candidate=candidate),
        _("Site published."),
    )
