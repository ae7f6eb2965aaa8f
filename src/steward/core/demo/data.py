"""The demo data as plain tables, so it reads like the organisation it describes."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import make_password

DEMO_PASSWORD = "steward-demo"
_HASHES: dict[str, str] = {}


def password_hash() -> str:
    """DEMO_PASSWORD hashed once for every demo person: a hash is meant to be slow (0.2 s
    each), and one salt for all is no concern for a password printed on the screen. Kept
    per hasher in force (tests switch to a fast one)."""
    hasher = settings.PASSWORD_HASHERS[0]
    if hasher not in _HASHES:
        _HASHES[hasher] = make_password(DEMO_PASSWORD)
    return _HASHES[hasher]


PROVIDER = {"code": "steward-it", "name": "Steward IT Services", "kind": "provider",
            "email": "servicedesk@steward-it.example", "phone": "+31 20 555 0100"}  # fmt: skip

CUSTOMERS = [
    {"code": "northwind", "name": "Northwind Bank", "kind": "customer",
     "email": "it@northwind.example", "phone": "+31 20 555 0200"},
    {"code": "contoso", "name": "Contoso Health", "kind": "customer",
     "email": "ict@contoso-health.example", "phone": "+31 30 555 0300"},
    {"code": "fabrikam", "name": "Fabrikam Logistics", "kind": "customer",
     "email": "helpdesk@fabrikam.example", "phone": "+31 10 555 0400"},
]  # fmt: skip

SUPPLIERS = [
    {"code": "globex", "name": "Globex Hosting", "kind": "supplier",
     "email": "support@globex.example", "phone": "+44 20 5550 0500"},
    {"code": "initech", "name": "Initech Software", "kind": "supplier",
     "email": "support@initech.example", "phone": "+1 512 555 0600"},
]  # fmt: skip

CALENDARS = [
    {
        "name": "Office hours (Amsterdam)",
        "time_zone": "Europe/Amsterdam",
        "description": "Monday to Friday 08:00-18:00, Dutch public holidays.",
        "periods": [(d, dt.time(8), dt.time(18)) for d in range(5)],
        "holidays": [
            (dt.date(2026, 12, 25), "Christmas Day"),
            (dt.date(2026, 12, 26), "Boxing Day"),
            (dt.date(2027, 1, 1), "New Year's Day"),
            (dt.date(2027, 3, 26), "Good Friday"),
            (dt.date(2027, 3, 29), "Easter Monday"),
            (dt.date(2027, 4, 27), "King's Day"),
            (dt.date(2027, 5, 5), "Liberation Day"),
            (dt.date(2027, 5, 6), "Ascension Day"),
            (dt.date(2027, 5, 17), "Whit Monday"),
        ],
    },
    {
        "name": "24x7",
        "time_zone": "UTC",
        "description": "Around the clock, every day of the year.",
        "periods": [(d, dt.time(0), dt.time(0)) for d in range(7)],
        "holidays": [],
    },
    {
        "name": "Extended hours (London)",
        "time_zone": "Europe/London",
        "description": "Monday to Saturday 07:00-22:00.",
        "periods": [(d, dt.time(7), dt.time(22)) for d in range(6)],
        "holidays": [(dt.date(2026, 12, 25), "Christmas Day")],
    },
]

GROUPS = [
    {"name": "Service Desk", "email": "servicedesk@steward-it.example",
     "skills": "first line, accounts, workplace", "calendar": "Office hours (Amsterdam)"},
    {"name": "Network Operations", "email": "noc@steward-it.example",
     "skills": "network, firewall, vpn, dns", "calendar": "24x7"},
    {"name": "Server & Storage", "email": "servers@steward-it.example",
     "skills": "linux, windows, vmware, storage, backup", "calendar": "24x7"},
    {"name": "Application Support", "email": "apps@steward-it.example",
     "skills": "online banking, payments, ehr, fleet", "calendar": "Office hours (Amsterdam)"},
    {"name": "Database Administration", "email": "dba@steward-it.example",
     "skills": "postgresql, oracle, replication", "calendar": "Office hours (Amsterdam)"},
]  # fmt: skip

# username, first, last, organisation, job title, [(role, scope kind, scope name)], groups
PEOPLE = [
    ("admin", "Ada", "Admin", "steward-it", "System administrator",
     [("system_administrator", None, None)], []),
    ("dana.desk", "Dana", "de Vries", "steward-it", "Service desk analyst",
     [("service_desk_analyst", None, None)], ["Service Desk"]),
    ("sid.desk", "Sid", "Jansen", "steward-it", "Service desk analyst",
     [("service_desk_analyst", None, None)], ["Service Desk"]),
    ("grace.coord", "Grace", "Bakker", "steward-it", "Team lead servers",
     [("group_coordinator", "group", "Server & Storage"), ("specialist", None, None)],
     ["Server & Storage"]),
    ("nick.coord", "Nick", "Visser", "steward-it", "Team lead network",
     [("group_coordinator", "group", "Network Operations"), ("specialist", None, None)],
     ["Network Operations"]),
    ("amy.coord", "Amy", "Smit", "steward-it", "Team lead applications",
     [("group_coordinator", "group", "Application Support"), ("group_coordinator", "group", "Service Desk"),
      ("specialist", None, None)], ["Application Support", "Service Desk"]),
    ("sam.spec", "Sam", "Meijer", "steward-it", "Linux engineer",
     [("specialist", None, None)], ["Server & Storage"]),
    ("lee.spec", "Lee", "de Boer", "steward-it", "Network engineer",
     [("specialist", None, None)], ["Network Operations"]),
    ("kim.spec", "Kim", "Mulder", "steward-it", "Application engineer",
     [("specialist", None, None)], ["Application Support"]),
    ("dave.dba", "Dave", "de Groot", "steward-it", "Database administrator",
     [("specialist", None, None), ("group_coordinator", "group", "Database Administration")],
     ["Database Administration"]),
    ("pat.problem", "Pat", "Bos", "steward-it", "Problem manager",
     [("problem_coordinator", None, None)], []),
    ("chris.change", "Chris", "Vos", "steward-it", "Change coordinator",
     [("change_coordinator", "service", "Online Banking"), ("change_coordinator", "service", "Payments Gateway"),
      ("change_coordinator", "service", "Fleet Tracking")], []),
    ("cleo.change", "Cleo", "Peters", "steward-it", "Change coordinator",
     [("change_coordinator", "service", "Email & Collaboration"),
      ("change_coordinator", "service", "Electronic Health Records"),
      ("change_coordinator", "service", "Workplace Support")], []),
    ("max.manager", "Max", "Hendriks", "steward-it", "Change manager",
     [("change_manager", None, None), ("cab_member", None, None)], []),
    ("carla.cab", "Carla", "van Dijk", "steward-it", "Architect",
     [("cab_member", None, None)], []),
    ("bram.cab", "Bram", "Jansen", "steward-it", "Security officer",
     [("cab_member", "service", "Online Banking")], []),
    ("rob.release", "Rob", "van Leeuwen", "steward-it", "Release manager",
     [("release_coordinator", None, None)], []),
    ("ria.release", "Ria", "Dekker", "steward-it", "Release engineer",
     [("release_administrator", None, None)], []),
    ("olivia.owner", "Olivia", "Brouwer", "steward-it", "Service owner, finance services",
     [("service_owner", "service", "Online Banking"), ("service_owner", "service", "Payments Gateway"),
      ("service_owner", "service", "Fleet Tracking")], []),
    ("sam.owner", "Samira", "de Wit", "steward-it", "Service owner, workplace and health",
     [("service_owner", "service", "Email & Collaboration"),
      ("service_owner", "service", "Electronic Health Records"),
      ("service_owner", "service", "Workplace Support")], []),
    ("otto.duty", "Otto", "Dijkstra", "steward-it", "On-duty manager",
     [("on_duty_manager", None, None)], []),
    ("opal.ops", "Opal", "Smits", "steward-it", "Operator",
     [("operator", None, None)], ["Network Operations"]),
    ("oscar.ops", "Oscar", "de Graaf", "steward-it", "Operations manager",
     [("operations_manager", None, None)], []),
    ("carl.config", "Carl", "Kok", "steward-it", "Configuration administrator",
     [("configuration_administrator", None, None)], []),
    ("paula.purchase", "Paula", "Jacobs", "steward-it", "Purchasing agent",
     [("purchasing_agent", None, None)], []),
    ("avery.avail", "Avery", "van der Meer", "steward-it", "Availability and capacity manager",
     [("availability_manager", None, None), ("capacity_manager", None, None)], []),
    ("connor.cont", "Connor", "Willems", "steward-it", "Continuity manager",
     [("continuity_manager", None, None), ("continuity_planner", None, None)], []),
    ("lena.sla", "Lena", "van den Berg", "steward-it", "Service level manager",
     [("service_level_manager", None, None), ("service_level_administrator", None, None)], []),
    ("ivan.control", "Ivan", "Koster", "steward-it", "IT controller",
     [("it_controller", None, None)], []),
    ("diana.director", "Diana", "Prins", "steward-it", "IT director",
     [("it_director", None, None)], []),
    ("fred.finance", "Fred", "Huisman", "steward-it", "Financial manager",
     [("financial_manager", None, None)], []),
    # Customer side
    ("nora.northwind", "Nora", "Evers", "northwind", "Head of digital channels",
     [("customer_representative", "organisation", "northwind")], []),
    ("ruben.northwind", "Ruben", "Kuipers", "northwind", "Branch manager",
     [("requester", None, None)], []),
    ("claire.contoso", "Claire", "Sanders", "contoso", "Chief medical information officer",
     [("customer_representative", "organisation", "contoso")], []),
    ("tom.contoso", "Tom", "Lammers", "contoso", "Nurse",
     [("requester", None, None)], []),
    ("frank.fabrikam", "Frank", "Postma", "fabrikam", "Operations director",
     [("customer_representative", "organisation", "fabrikam")], []),
    ("fiona.fabrikam", "Fiona", "Hoekstra", "fabrikam", "Dispatcher",
     [("requester", None, None)], []),
]  # fmt: skip

# Demo logins printed by `make run` and listed in the README: (username, what to try).
LOGINS = [
    ("admin", "system administrator: everything, including /admin/"),
    ("dana.desk", "service desk analyst"),
    ("grace.coord", "group coordinator of Server & Storage, specialist"),
    ("pat.problem", "problem coordinator of every service: review, candidates, known errors"),
    ("kim.spec", "specialist, Application Support (analyses problems)"),
    ("chris.change", "change coordinator of Online Banking, Payments Gateway, Fleet Tracking"),
    ("max.manager", "change manager and CAB member"),
    ("rob.release", "release coordinator: requests for change, CAB meetings, releases"),
    ("carla.cab", "CAB member: votes in the Online Banking CAB"),
    ("ria.release", "release administrator: transfers, baselines, rollback"),
    ("olivia.owner", "service owner of Online Banking, Payments Gateway, Fleet Tracking"),
    ("lena.sla", "service level manager"),
    ("carl.config", "configuration administrator (CMDB, suppliers, contracts)"),
    # --- demo: Event Management's people
    ("opal.ops", "operator: the event console (acknowledge, link, close events)"),
    ("oscar.ops", "operations manager: event sources, types, rules, event and outage review"),
    ("avery.avail", "capacity manager: capacity warnings come to them"),
    ("paula.purchase", "purchasing agent"),
    ("fred.finance", "financial manager (approves purchase requisitions)"),
    ("nora.northwind", "customer representative of Northwind Bank"),
    ("ruben.northwind", "requester at Northwind Bank (self-service)"),
]
