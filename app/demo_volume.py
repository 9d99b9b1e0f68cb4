"""Volumes of history for the demo sites: years of incidents with their timelines, the customer
requests and corrective actions that go with them, for `flask seed-demo --scale N` and the
benchmarks (N x 2,000 incidents).

Rows are inserted directly, in chunks (the services would take an hour for 200,000 reports),
but with everything the services would write: references counted per year (and the counters
left where the next report continues), timeline events, the search index. Oldest first, so
that ids grow with time as they do in real use.
"""

import random
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from app.actions.models import Action
from app.core import search
from app.core.models import Counter, TimelineEvent, new_uuid, utcnow
from app.extensions import db
from app.incidents.models import Incident, IncidentType, ServiceRequest
from app.sites.models import Location

INCIDENTS_PER_SCALE = 2000
CHUNK = 5000
YEARS_OF_HISTORY = 3

WHAT = [
    ("equipment_failure", "Chiller {n} tripped on high pressure", "冷水机组{n}号高压跳闸"),
    ("equipment_failure", "Escalator {n} stopped with a fault code", "{n}号扶梯设备故障停运"),
    ("hygiene", "Water leak under the sink in washroom {n}", "{n}号洗手间水槽下漏水"),
    ("hygiene", "Dish washer drain blocked, standing water", "洗碗机排水堵塞，地面积水"),
    ("security", "Fire door {n} found propped open", "{n}号防火门被撑开"),
    ("near_miss", "Forklift reversed past the stop line at dock {n}", "叉车在{n}号码头倒车越线"),
    ("customer_complaint", "Visitor waited at reception without being served",
     "访客在前台等候无人接待"),
    ("injury", "Cleaner slipped on a wet floor near lift {n}", "清洁工在{n}号电梯附近湿滑地面摔倒"),
    ("other", "Ceiling tile fell in corridor {n}", "{n}号走廊天花板掉落"),
]
SEVERITIES = ["low"] * 4 + ["medium"] * 4 + ["high"] + ["critical"]
# What people add: the asset's tag and a few words, so that the words of the history are as
# varied as real ones (the planner's statistics of the search index depend on it).
ASSET_PREFIXES = ["AHU", "P", "FCU", "CH", "LIFT", "ESC", "DB", "FD", "CCTV", "BMS"]
DETAIL_WORDS = ("noise vibration smell smoke alarm tripped rusty cracked loose missing wet "
                "flooded blocked jammed overheating flickering dripping broken torn stained "
                "slippery unlocked damaged warning sensor valve filter belt motor bearing "
                "gasket fuse breaker cable socket switch panel duct drain gutter roof glass "
                "handle hinge latch tile carpet paint sealant ceiling column ramp barrier").split()


def seed_volume(sites, people: dict, incidents: int, *, now: datetime | None = None,
                seed: int = 7) -> int:
    """Insert `incidents` incidents over the last years at `sites`; returns how many."""
    rng = random.Random(seed)
    now = now or utcnow()
    start = now - timedelta(days=365 * YEARS_OF_HISTORY)
    step = (now - start) / max(incidents, 1)
    context = _Context(sites, people, rng)
    made = 0
    while made < incidents:
        size = min(CHUNK, incidents - made)
        moments = [start + step * (made + i) for i in range(size)]
        _insert_chunk(context, moments, now)
        made += size
    context.references.save()
    return made


class _References:
    """INC/SR/ACT numbers per year, continuing from the counters (the demo's few reports
    took the first ones), saved back so that the next report takes the next number."""

    def __init__(self):
        self.values: dict[tuple[str, int], int] = {}

    def take(self, prefix: str, year: int) -> str:
        key = (prefix, year)
        if key not in self.values:
            self.values[key] = db.session.scalar(select(Counter.value).filter_by(
                name=prefix, year=year)) or 0
        self.values[key] += 1
        return f"{prefix}-{year}-{self.values[key]:06d}"

    def save(self) -> None:
        for (prefix, year), value in self.values.items():
            counter = db.session.scalar(select(Counter).filter_by(name=prefix, year=year))
            if counter is None:
                db.session.add(Counter(name=prefix, year=year, value=value))
            else:
                counter.value = value
        db.session.flush()


class _Context:
    """What every chunk draws from: sites, their locations, types, people."""

    def __init__(self, sites, people, rng):
        self.rng = rng
        self.sites = list(sites)
        self.locations = {site.id: list(db.session.scalars(
            select(Location.id).where(Location.site_id == site.id))) for site in self.sites}
        self.types = {row.code: row.id for row in db.session.execute(
            select(IncidentType.code, IncidentType.id))}
        self.reporters = [people[name].id for name in ("staff", "inspector", "technician")
                          if name in people]
        self.handler = people["technician"].id
        self.supervisor = people["supervisor"].id
        self.references = _References()


def _insert_chunk(context: _Context, moments: list, now: datetime) -> None:
    incidents = [_incident_row(context, moment, now) for moment in moments]
    ids = list(db.session.scalars(insert(Incident).returning(
        Incident.id, sort_by_parameter_order=True), incidents))
    events, requests, actions = [], [], []
    for incident_id, row in zip(ids, incidents, strict=True):
        events += _timeline_rows(context, incident_id, row)
        if row["type_id"] == context.types.get("customer_complaint"):
            requests.append(_request_row(context, incident_id, row))
        if row["status"] == "closed" and row["severity"] in ("high", "critical"):
            actions.append(_action_row(context, incident_id, row))
    search.index_rows(Incident, zip(ids, incidents, strict=True))
    db.session.execute(insert(TimelineEvent), events)
    for model, rows in ((ServiceRequest, requests), (Action, actions)):
        if rows:
            keys = db.session.scalars(insert(model).returning(
                model.id, sort_by_parameter_order=True), rows)
            search.index_rows(model, zip(keys, rows, strict=True))


def _incident_row(context: _Context, moment: datetime, now: datetime) -> dict:
    rng = context.rng
    code, english, chinese = rng.choice(WHAT)
    site = rng.choice(context.sites)
    age = now - moment
    status = "closed" if age > timedelta(days=30) else rng.choice(
        ["reported", "acknowledged", "in_progress", "resolved", "closed"])
    n = rng.randint(1, 12)
    description = (english if rng.random() < 0.5 else chinese).format(n=n) + _detail(rng)
    resolved = moment + timedelta(hours=rng.randint(1, 72))
    return {
        "reference": context.references.take("INC", moment.year), "public_id": new_uuid(),
        "site_id": site.id, "location_id": rng.choice(context.locations[site.id] or [None]),
        "type_id": context.types.get(code, context.types["other"]),
        "severity": rng.choice(SEVERITIES), "priority": rng.choice([None, 1, 2, 3]),
        "category": "", "status": status, "occurred_at": moment - timedelta(minutes=20),
        "description": description, "people_involved": "", "immediate_action": "",
        "reporter_id": rng.choice(context.reporters),
        "assignee_id": context.handler if status != "reported" else None,
        "assigned_team": "technician" if status != "reported" else "",
        "acknowledged_at": moment + timedelta(minutes=30) if status != "reported" else None,
        "resolved_at": resolved if status in ("resolved", "closed") else None,
        "closed_at": resolved + timedelta(days=1) if status == "closed" else None,
        "resolution": "Fixed and tested." if status in ("resolved", "closed") else "",
        "root_cause_category": "", "root_cause": "", "reopen_count": 0,
        "sla_business_hours": False, "paused_seconds": 0, "pause_reason": "",
        "ack_breach_notified": False, "resolve_breach_notified": False,
        "created_at": moment, "updated_at": moment,
    }


def _detail(rng) -> str:
    tag = f"{rng.choice(ASSET_PREFIXES)}-{rng.randint(1, 120):03d}"
    return f" ({tag}; {' '.join(rng.sample(DETAIL_WORDS, rng.randint(1, 3)))})"


def _timeline_rows(context: _Context, incident_id: int, row: dict) -> list[dict]:
    moment = row["created_at"]
    events = [{"entity_type": "incident", "entity_id": incident_id, "at": moment,
               "actor_id": row["reporter_id"], "kind": "reported", "to_status": "reported",
               "text": ""}]
    if row["resolved_at"]:
        events.append({"entity_type": "incident", "entity_id": incident_id,
                       "at": row["resolved_at"], "actor_id": context.handler, "kind": "status",
                       "from_status": "in_progress", "to_status": "resolved",
                       "text": row["resolution"]})
    return events


def _request_row(context: _Context, incident_id: int, row: dict) -> dict:
    return {
        "reference": context.references.take("SR", row["created_at"].year),
        "site_id": row["site_id"],
        "kind": "complaint", "channel": context.rng.choice(["qr", "web", "phone"]),
        "description": row["description"], "token_hash": secrets.token_hex(32),
        "status": "resolved" if row["resolved_at"] else "in_progress",
        "incident_id": incident_id, "resolved_at": row["resolved_at"],
        "created_at": row["created_at"], "updated_at": row["created_at"],
    }


def _action_row(context: _Context, incident_id: int, row: dict) -> dict:
    due = (row["created_at"] + timedelta(days=14)).date()
    return {
        "reference": context.references.take("ACT", row["created_at"].year),
        "site_id": row["site_id"],
        "source_type": "incident", "source_id": incident_id,
        "source_reference": row["reference"], "title": "Prevent it happening again",
        "owner_id": context.handler, "due_date": due, "priority": 2,
        "status": "verified" if due < date.today() else "open",
        "created_by_id": context.supervisor,
        "created_at": row["created_at"], "updated_at": row["created_at"],
    }
