"""Demo data: two sites of a facilities-services company, a user for every role."""

from app.auth import services as auth_services
from app.sites import services as site_services

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
    return users
