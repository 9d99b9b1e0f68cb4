"""The operations figures of a site and period (the dashboard charts them).

Every figure is computed from the records, never stored. Times are wall-clock minutes from
the report; SLA attainment uses each incident's own clocks (business hours and pauses).
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.incidents.models import Incident, ServiceRequest


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p90: the value 90% of cases do not exceed)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return (end - start).total_seconds() / 60 if end else None


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class IncidentFigures:
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    ack_median: float | None = None  # minutes
    ack_p90: float | None = None
    resolve_median: float | None = None
    resolve_p90: float | None = None
    sla_attainment: float | None = None  # % of clocks that ended in time
    resolution_rate: float | None = None  # % resolved or closed
    reopen_rate: float | None = None  # % of resolved ones reopened at least once
    complaints: int = 0
    service_requests: int = 0
    complaint_rate: float | None = None  # complaints per 1,000 service requests
    satisfaction_mean: float | None = None  # 1-5
    satisfaction: dict[int, int] = field(default_factory=dict)  # rating -> how many


def incident_figures(site_ids, start: datetime, end: datetime) -> IncidentFigures:
    """Incidents reported at these sites in [start, end) (naive UTC)."""
    incidents = db.session.scalars(select(Incident).where(
        Incident.site_id.in_(site_ids), Incident.created_at >= start,
        Incident.created_at < end)).all()
    figures = IncidentFigures(total=len(incidents))
    ack_times, resolve_times, clocks_met, clocks_ended = [], [], 0, 0
    for incident in incidents:
        code = incident.type.code
        figures.by_type[code] = figures.by_type.get(code, 0) + 1
        figures.by_severity[incident.severity] = figures.by_severity.get(incident.severity, 0) + 1
        if (minutes := _minutes(incident.created_at, incident.acknowledged_at)) is not None:
            ack_times.append(minutes)
        if (minutes := _minutes(incident.created_at, incident.resolved_at)) is not None:
            resolve_times.append(minutes)
        for done, due in ((incident.acknowledged_at, incident.ack_due_at),
                          (incident.resolved_at, incident.resolve_due_at)):
            if done is not None and due is not None:
                clocks_ended += 1
                clocks_met += done <= due
    resolved = [i for i in incidents if i.status in ("resolved", "closed")]
    figures.ack_median = statistics.median(ack_times) if ack_times else None
    figures.ack_p90 = percentile(ack_times, 0.9)
    figures.resolve_median = statistics.median(resolve_times) if resolve_times else None
    figures.resolve_p90 = percentile(resolve_times, 0.9)
    figures.sla_attainment = _share(clocks_met, clocks_ended)
    figures.resolution_rate = _share(len(resolved), len(incidents))
    reopened = [i for i in incidents if i.reopen_count]
    figures.reopen_rate = _share(len(reopened), len(resolved) + len(
        [i for i in reopened if i.status not in ("resolved", "closed")]))
    _add_request_figures(figures, incidents, site_ids, start, end)
    return figures


def _add_request_figures(figures, incidents, site_ids, start, end) -> None:
    """Complaints: requests sent as complaints, and complaint incidents not raised from a
    request (one complaint is never counted twice)."""
    requests = db.session.scalars(select(ServiceRequest).where(
        ServiceRequest.site_id.in_(site_ids), ServiceRequest.created_at >= start,
        ServiceRequest.created_at < end)).all()
    figures.service_requests = len(requests)
    complaints = sum(r.kind == "complaint" for r in requests) + sum(
        i.type.is_complaint and i.service_request_id is None for i in incidents)
    figures.complaints = complaints
    figures.complaint_rate = round(1000 * complaints / len(requests), 1) if requests else None
    ratings = [r.rating for r in requests if r.rating]
    figures.satisfaction = {score: ratings.count(score) for score in range(1, 6)}
    figures.satisfaction_mean = round(statistics.mean(ratings), 2) if ratings else None
