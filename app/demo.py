"""Demo data: two sites of a facilities-services company, a user for every role."""

from sqlalchemy import text

from app.auth import services as auth_services
from app.extensions import db
from app.inspections.demo import seed_checklists
from app.maintenance.demo import seed_equipment, seed_work
from app.sites import services as site_services
from app.stock.demo import seed_stock

DEMO_PASSWORD = "fieldbook-demo"  # noqa: S105  (printed by `make run`; demo only)

SITES = [
    {
        "name": "Riverside Plaza", "code": "RSP", "timezone": "Asia/Shanghai",
        "address": "88 Binjiang Avenue, Pudong, Shanghai",
        "areas": {
            "Lobby & Reception": [("LOB-01", "Main entrance"), ("LOB-02", "Reception desk"),
                                  ("LOB-03", "Visitor lounge")],
            "Food Court (Level 2)": [("FC-01", "Kitchen A"), ("FC-02", "Dish washing room"),
                                     ("FC-03", "Seating area"), ("FC-04", "Waste room")],
            "Plant Room (B1)": [("PR-01", "Chiller plant"), ("PR-02", "Boiler room"),
                                ("PR-03", "Electrical switch room"), ("PR-04", "Fire pump room")],
            "Car Park (B2)": [("CP-01", "Ramp entrance"), ("CP-02", "EV charging bays")],
        },
    },
    {
        "name": "Harbour Logistics Centre", "code": "HLC", "timezone": "Asia/Hong_Kong",
        "address": "12 Container Port Road, Kwai Chung, Hong Kong",
        "areas": {
            "Warehouse A": [("WA-01", "Receiving dock"), ("WA-02", "Racking aisles 1-6"),
                            ("WA-03", "Cold store")],
            "Workshop": [("WS-01", "Forklift charging"), ("WS-02", "Tool crib")],
            "Office Block": [("OB-01", "Canteen"), ("OB-02", "First aid room")],
        },
    },
]

USERS = [
    ("admin", "Alex Admin", ["admin"]),
    ("supervisor", "王芳 Wang Fang", ["supervisor"]),
    ("inspector", "李强 Li Qiang", ["inspector"]),
    ("technician", "张伟 Zhang Wei", ["technician"]),
    ("storekeeper", "陈静 Chen Jing", ["storekeeper"]),
    ("staff", "刘洋 Liu Yang", ["staff"]),
]


DEMO_USERNAMES = tuple(username for username, _name, _roles in USERS)


def _site_copies(scale: int):
    for copy in range(scale):
        for spec in SITES:
            suffix = "" if copy == 0 else f"-{copy + 1}"
            name = spec["name"] if copy == 0 else f"{spec['name']} {copy + 1}"
            yield {**spec, "name": name, "code": spec["code"] + suffix}


def seed(scale: int = 1) -> list:
    """Create the demo sites and users; returns the users (for printing their sign-ins)."""
    admin_name, admin_full, admin_roles = USERS[0]
    admin = auth_services.create_user(username=admin_name, name=admin_full,
                                      password=DEMO_PASSWORD, roles=admin_roles)
    sites = []
    for spec in _site_copies(scale):
        site = site_services.create_site(name=spec["name"], code=spec["code"],
                                         address=spec["address"], timezone=spec["timezone"],
                                         by=admin)
        sites.append(site)
        for area_name, locations in spec["areas"].items():
            area = site_services.create_area(site, name=area_name, by=admin)
            for code, name in locations:
                site_services.create_location(site, area=area, name=name, code=code, by=admin)
    users = [admin]
    for username, name, roles in USERS[1:]:
        # The first site for everyone; the supervisor runs both demo sites.
        assigned = sites[:2] if username == "supervisor" else sites[:1]
        users.append(auth_services.create_user(username=username, name=name,
                                               password=DEMO_PASSWORD, roles=roles,
                                               sites=assigned, by=admin))
    people = {user.username: user for user in users}
    _demo_incidents(sites[0], people)
    checklists = seed_checklists(admin)
    _demo_rounds(sites[0], checklists, people["supervisor"])
    seed_equipment(sites[:2], admin, people["technician"])
    seed_work(sites[0], people["staff"], people["supervisor"], people["technician"])
    seed_stock(sites[0], people["storekeeper"], people["technician"], people["supervisor"])
    if scale > 1:  # years of history at the two demo sites, for the lists to be measured on
        from app.demo_volume import INCIDENTS_PER_SCALE, seed_volume

        seed_volume(sites[:2], people, INCIDENTS_PER_SCALE * scale)
        db.session.execute(text("ANALYZE"))  # the planner's statistics for the new volume
    return users


def _demo_rounds(site, checklists: list, supervisor) -> None:
    """Rounds at the first site: the hygiene check twice a day (a morning and an afternoon
    shift) for every inspector, the fire walk every Monday, the plant-room patrol three times
    a day for the supervisor."""
    from datetime import date

    from app.rounds.services import RuleFields, create_schedule

    hygiene, _service, patrol, fire = checklists
    locations = [loc.id for area in site.areas for loc in area.locations]

    def rule(times, **fields) -> RuleFields:
        values = {"frequency": "daily", "weekdays": [], "month_day": None,
                  "month_ordinal": None, "month_weekday": None, "window_minutes": 120,
                  "grace_minutes": 60, "location_ids": locations[:2], "assignee_id": None,
                  "assignee_role": "inspector", "starts_on": date.today(), "ends_on": None}
        return RuleFields(**{**values, "times": times, **fields})

    create_schedule(site, hygiene, rule(["08:00", "14:00"]), by=supervisor)
    create_schedule(site, fire, rule(["09:00"], frequency="weekly", weekdays=[0],
                                     window_minutes=480, location_ids=locations),
                    by=supervisor)
    create_schedule(site, patrol, rule(["07:00", "12:00", "17:00"], window_minutes=60,
                                       grace_minutes=30, location_ids=locations[-1:],
                                       assignee_role="supervisor"), by=supervisor)


INCIDENTS = [
    # (type, severity, location code, description, reporter, handled to)
    ("equipment_failure", "high", "PR-01", "Chiller 2 tripped on high pressure; the food "
     "court is getting warm.", "staff", "resolved"),
    ("hygiene", "low", "FC-02", "Dish washer drain blocked, standing water on the floor.",
     "inspector", "in_progress"),
    ("customer_complaint", "medium", "LOB-02", "Visitor waited 20 minutes at reception "
     "without being served.", "staff", "acknowledged"),
    ("near_miss", "medium", "CP-01", "Car reversed past the stop line near a pedestrian.",
     "technician", "reported"),
]


def _demo_incidents(site, people) -> None:
    """A few incidents in different states, and the corrective action of the first one."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from app.actions import services as action_services
    from app.core.models import utcnow
    from app.incidents import services as incident_services
    from app.incidents.models import IncidentType
    from app.sites.models import Location

    supervisor, technician = people["supervisor"], people["technician"]
    for code, severity, where, described, reporter, handled_to in INCIDENTS:
        incident = incident_services.report(
            site=site, severity=severity, description=described, by=people[reporter],
            incident_type=db.session.scalar(select(IncidentType).filter_by(code=code)),
            location=db.session.scalar(select(Location).filter_by(site_id=site.id, code=where)),
            occurred_at=utcnow() - timedelta(hours=3))
        if handled_to == "reported":
            continue
        incident_services.triage(incident, severity=severity, priority=2, category="",
                                 assignee=technician, assigned_team="technician",
                                 due_at=utcnow() + timedelta(hours=8), by=supervisor)
        for status in ("acknowledged", "in_progress", "resolved"):
            incident_services.change_status(
                incident, status, by=technician,
                note="Reset the chiller, replaced the pressure switch." if status == "resolved"
                else "")
            if status == handled_to:
                break
        if handled_to == "resolved":
            action_services.raise_action(
                incident, site_id=site.id, title="Add the chiller pressure switch to the "
                "monthly PM checklist", owner=technician, due_date=date.today() + timedelta(7),
                priority=2, by=supervisor)
