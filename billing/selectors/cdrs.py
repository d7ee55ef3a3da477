"""The CDR in force for a session: its latest charge revision (a re-price credits the
previous one and adds the next revision). One rule for the portal, the API, payments and
pricing itself."""

from billing.models import ChargeDetailRecord

CDR = ChargeDetailRecord


def cdr_in_force(*, session_id: int) -> ChargeDetailRecord | None:
    """The session's charge CDR of the highest revision, or None before it is priced."""
    return CDR.objects.filter(session_id=session_id, kind=CDR.Kind.CHARGE).order_by("-revision").first()


def cdrs_in_force(*, session_ids) -> dict[int, ChargeDetailRecord]:
    """`cdr_in_force` for many sessions in one query: {session id: CDR}; unpriced ones are absent."""
    in_force: dict[int, ChargeDetailRecord] = {}
    for cdr in CDR.objects.filter(session_id__in=list(session_ids), kind=CDR.Kind.CHARGE).order_by("revision"):
        in_force[cdr.session_id] = cdr  # the highest revision comes last and wins
    return in_force
