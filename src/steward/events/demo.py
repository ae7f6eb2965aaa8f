"""Demo data of Event Management: sources, event types, rules and a stream of events over
the demo CIs (a switch failure cascade, a planned maintenance window, a capacity warning),
sent through the ingestion path and processed like real ones.

Each story happens at its own moment of the last 30 days (freezegun moves the clock, as
in the releases demo), one is going on now so the console has something to show. Events
are put in the inbox as the ingestion endpoints put them there (normalised, seed 003
ch. 6) and processed by ``process_inbox``: the deduplication, correlation, incident
requests and outages are the real ones. The review data (an improvement raised in the
event review, an outage review finding) goes through the review services. Skipped when
the source "Prometheus DC1" exists."""

import datetime as dt
from collections.abc import Callable
from typing import Any

PROMETHEUS, ZABBIX, SCRIPTS = "Prometheus DC1", "Zabbix", "Custom scripts"
# code, name, category, handling instructions ("" = none written: the event review asks).
TYPES = [
    ("NodeDown", "Host down", "outage",
     "Check the host's console (iLO) and the switch port it hangs on. A host behind a "
     "failed switch is a symptom: work on the switch. Otherwise call Server & Storage on "
     "duty (24x7) and tell the service desk which services run on it."),
    ("SwitchDown", "Switch unreachable", "outage",
     "Ping the management IP from both cores. Call Network Operations on duty at once: "
     "every host in the rack loses its network. Keep the incident request's work notes "
     "up to date for the desk."),
    ("DiskFillingUp", "Disk or volume filling up", "capacity",
     "Capacity warning: the incident request goes to the capacity manager. Do not delete "
     "data; check whether a batch job or log rotation explains the growth and note it."),
    ("HighLatency", "High response time", "degradation",
     "Compare with the load balancer's figures; when users notice it the desk is told. "
     "Restart nothing without the application team."),
    ("BackupFinished", "Backup finished", "informational",
     "Information only: a failed backup arrives as BackupFailed."),
    ("PowerSupplyDegraded", "Power supply degraded", "degradation", ""),
]  # fmt: skip


class _Story:
    """The event stream of the last 30 days, one moment at a time."""

    def __init__(self, context: dict[str, Any]) -> None:
        from django.utils import timezone

        self.people = context["people"]
        self.services = context["services"]
        self.groups = context["groups"]
        self.today = timezone.localdate()
        self.clock: Any = None  # freezegun's, set by load()
        self.sources: dict[str, Any] = {}

    def moment(self, days: float, hour: float = 10) -> dt.datetime:
        """``days`` before today at ``hour`` o'clock local time (the real today)."""
        from django.utils import timezone

        day = self.today - dt.timedelta(days=int(days))
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
        return start + dt.timedelta(hours=hour) - dt.timedelta(days=days - int(days))

    def at(self, days: float | None, step: Callable[[], Any], hour: float = 10) -> Any:
        """``step`` at ``moment(days, hour)``; ``days`` None: now."""
        if days is not None:
            self.clock.move_to(self.moment(days, hour))
        return step()

    def send(self, days: float | None, hour: float, source: str, *events: dict) -> None:
        """The monitor ``source`` sends ``events`` (normalised: ``event()``) at that moment;
        the event processor handles them as it would (one batch)."""
        from django.utils import timezone

        from steward.events.models import EventInbox
        from steward.events.services.processing import process_inbox

        def steps() -> None:
            now = timezone.now()
            EventInbox.objects.bulk_create(
                EventInbox(source=self.sources[source], received_at=now,
                           data={**data, "occurred_at": now.isoformat()})
                for data in events
            )  # fmt: skip
            while process_inbox():
                pass

        self.at(days, steps, hour)


def event(resource: str, event_type: str, severity: str = "major", *, status: str = "firing",
          summary: str = "", **attributes: Any) -> dict[str, Any]:  # fmt: skip
    """One normalised event (the contract between ingestion and processing)."""
    return {
        "fingerprint": f"{resource}/{event_type}",
        "resource": resource,
        "event_type": event_type,
        "severity": severity,
        "category": "",
        "status": status,
        "summary": summary or f"{event_type} on {resource}",
        "occurred_at": "",  # set when sent
        "attributes": attributes,
    }


def cleared(resource: str, event_type: str, **attributes: Any) -> dict[str, Any]:
    return event(resource, event_type, "info", status="resolved", **attributes)


def _setup(story: _Story) -> None:
    """The operations manager registers the sources, event types and a match rule; the
    capacity manager joins Server & Storage (an incident request's assignee needs a
    group: capacity warnings are assigned to them)."""
    from steward.core.models import SupportGroupMembership
    from steward.core.services.directory import group_add_member
    from steward.events.services import rules, sources

    oscar, opal = story.people["oscar.ops"], story.people["opal.ops"]
    noc, servers = story.groups["Network Operations"], story.groups["Server & Storage"]

    def steps() -> None:
        rules.ensure_default_rules()
        for name, kind, group, text in (
            (PROMETHEUS, "alertmanager", noc, "Alertmanager of the AMS-DC1 Prometheus: "
             "network, hosts and application latency."),
            (ZABBIX, "zabbix", servers, "Zabbix of the storage and backup team."),
            (SCRIPTS, "generic", servers, "Cron jobs posting JSON from legacy servers."),
        ):  # fmt: skip
            story.sources[name], _ = sources.source_create(
                actor=oscar, name=name, kind=kind, description=text, operator=opal,
                support_group=group)  # fmt: skip
        for code, name, category, instructions in TYPES:
            rules.event_type_create(actor=oscar, code=code, name=name, category=category,
                                    handling_instructions=instructions)  # fmt: skip
        rules.match_rule_create(
            actor=oscar, name="Prometheus instance is a host's IP address", order=5,
            source=story.sources[PROMETHEUS], event_field="labels.instance",
            match_on="attribute", ci_attribute="ip_address", strip_port=True,
        )  # fmt: skip
        avery = story.people["avery.avail"]
        if not SupportGroupMembership.objects.filter(group=servers, person=avery).exists():
            group_add_member(actor=story.people["admin"], group_id=servers.pk, person_id=avery.pk)

    story.at(30, steps)


def _routine(story: _Story) -> None:
    """Nightly backups (information, repeated every night), a legacy server no CI names
    (for the event review) and a code nobody registered an event type for."""
    for night in (29, 22, 15, 8, 1):
        story.send(night, 2, ZABBIX, event("san-ams-dc1", "BackupFinished", "info",
                                           summary="Nightly snapshot replicated to DC2"))  # fmt: skip
    for days in (27, 19, 12, 4):
        story.send(days, 6, SCRIPTS,
                   event("legacy-ftp-01", "DiskFillingUp", "warning",
                         summary="/data on legacy-ftp-01 is 91 % full"),
                   event("legacy-ftp-01", "ntp_drift", "minor",
                         summary="Clock 4.2 s off the NTP server"))  # fmt: skip
    story.send(3, 9, ZABBIX, event("printer-3f-02", "PowerSupplyDegraded", "minor",
                                   summary="Power supply 2 of printer-3f-02 reports a fault"))  # fmt: skip


def _cascade(story: _Story, days: float, switch: str, hosts: list[str], *, ends: bool) -> None:
    """A top-of-rack switch fails: the switch and the hosts connected to it report in one
    batch; the switch's event registers one restoration incident, the hosts' are its
    symptoms. The switch repeats until it is replaced; then everything clears."""
    ip = {"esx-ams-dc1-05": "10.1.10.5", "esx-ams-dc1-06": "10.1.10.6"}
    burst = [event(switch, "SwitchDown", "critical", summary=f"{switch} does not answer SNMP "
                   "or ping", labels={"alertname": "SwitchDown", "instance": switch})]  # fmt: skip
    for host in hosts:
        labels = {"alertname": "NodeDown", "instance": f"{ip.get(host, host)}:9100"}
        burst.append(event(host, "NodeDown", "critical", summary=f"{host} is unreachable",
                           labels=labels, annotations={"runbook": "NodeDown"}))  # fmt: skip
    story.send(days, 3.2, PROMETHEUS, *burst)
    story.send(days, 3.25, PROMETHEUS, burst[0])
    story.send(days, 3.3, PROMETHEUS, burst[0])
    if ends:
        story.send(days, 4.1, PROMETHEUS, *[cleared(e["resource"], e["event_type"])
                                            for e in burst])  # fmt: skip


def _planned(story: _Story) -> None:
    """A storage firmware upgrade on the change calendar: the host rebooted and the array
    failing over inside the window are closed as planned, no incident."""
    from steward.changes.services.calendar import planned_event_create
    from steward.configuration.models import ConfigurationItem

    cis = list(ConfigurationItem.objects.filter(name__in=["san-ams-dc2", "esx-ams-dc2-11"])
               .values_list("pk", flat=True))  # fmt: skip
    story.at(16, lambda: planned_event_create(
        actor=story.people["max.manager"], title="SAN firmware upgrade AMS-DC2",
        kind="maintenance", starts_at=story.moment(12, 22), ends_at=story.moment(12, 26),
        ci_ids=cis, description="NetApp ONTAP 9.14 on both controllers; one host rebooted "
        "for its new HBA driver."))  # fmt: skip
    story.send(12, 22.3, ZABBIX, event("esx-ams-dc2-11", "NodeDown", "critical",
                                       summary="esx-ams-dc2-11 is unreachable"))  # fmt: skip
    story.send(12, 22.6, ZABBIX, cleared("esx-ams-dc2-11", "NodeDown"))
    story.send(12, 23, ZABBIX, event("san-ams-dc2", "HighLatency", "major",
                                     summary="Controller failover: write latency 40 ms"))  # fmt: skip
    story.send(12, 23.5, ZABBIX, cleared("san-ams-dc2", "HighLatency"))


def _capacity_and_latency(story: _Story) -> None:
    """A database volume filling up (an infrastructure event for the capacity manager,
    repeated while it grows) and a latency degradation of the payment switch, cleared
    after two hours (its outage recorded as degraded)."""
    disk = event("ob-db", "DiskFillingUp", "warning", summary="ob-db: tablespace volume 85 % "
                 "full, full in about 9 days at this rate")  # fmt: skip
    for hour in (8, 12, 16, 20):
        story.send(9, hour, ZABBIX, disk)
    story.send(6, 14, PROMETHEUS, event("Payments Gateway Payment switch", "HighLatency",
                                        summary="p95 authorisation time 2.4 s (normally 0.3 s)",
                                        labels={"alertname": "HighLatency"}))  # fmt: skip
    story.send(6, 14.2, PROMETHEUS, event("Payments Gateway Payment switch", "HighLatency"))
    story.send(6, 16, PROMETHEUS, cleared("Payments Gateway Payment switch", "HighLatency"))


def _resolve(story: _Story, days: float, hour: float, incident: Any, who: str, group: str,
             text: str, impact: str | None = None) -> None:  # fmt: skip
    """The specialist takes the request and resolves it (raising its impact first when
    the desk learned more users were hit)."""
    from steward.incidents.services import assignment, resolution, tracking

    person = story.people[who]

    def steps() -> None:
        if impact:
            tracking.incident_update(actor=story.people["dana.desk"], incident_id=incident.pk,
                                     data={"impact": impact})  # fmt: skip
        assignment.incident_assign(actor=story.people["dana.desk"], incident_id=incident.pk,
                                   support_group=story.groups[group].pk,
                                   assignee=person.pk)  # fmt: skip
        resolution.incident_resolve(actor=person, incident_id=incident.pk, resolution=text,
                                    resolution_code="solved", time_spent=45,
                                    override_reason="Hardware replaced like for like.")  # fmt: skip

    story.at(days, steps, hour)


def _outages(story: _Story) -> list[Any]:
    """High-impact outages the desk registered by hand, no event announcing them (the
    outage review's "no event generated" rows)."""
    from steward.incidents.services.registration import incident_register

    made = []
    for days, title, service, who, group in (
        (20, "Online Banking login fails for all customers", "Online Banking", "kim.spec",
         "Application Support"),
        (11, "Card payments declined at every shop", "Payments Gateway", "kim.spec",
         "Application Support"),
    ):  # fmt: skip
        incident = story.at(days, lambda t=title, s=service: incident_register(
            actor=story.people["dana.desk"], requester=story.people["dana.desk"], title=t,
            description="Many customers calling; the monitoring showed nothing.",
            channel="phone", service=story.services[s].pk,
            service_type="user_service_restoration", impact="2", urgency="1"), hour=9)  # fmt: skip
        _resolve(story, days, 11, incident, who, group,
                 "A certificate on the load balancer had expired; renewed.")  # fmt: skip
        made.append(incident)
    return made


def _reviews(story: _Story, outage: Any) -> None:
    """The operations manager's reviews: the legacy server no CI names raised as an
    improvement (event review), and a monitoring job asked for after an outage no event
    announced (outage review)."""
    from steward.events.services.reviews import improvement_raise, outage_review_record

    oscar = story.people["oscar.ops"]
    story.at(2, lambda: improvement_raise(
        actor=oscar, topic="unmatched_ci", subject=f"{SCRIPTS}: legacy-ftp-01",
        description="legacy-ftp-01 sends events but has no CI: register it in the CMDB "
                    "(or retire the cron job if the server is gone).",
        source=story.sources[SCRIPTS].pk))  # fmt: skip
    story.at(2, lambda: outage_review_record(
        actor=oscar, incident_id=outage.pk, finding="monitoring_correction",
        note="Nothing watched the certificate's expiry date.",
        follow_up_description="Add a certificate expiry check (warning 30 days before) for "
                              "every load balancer virtual server.",
        support_group=story.groups["Network Operations"].pk), hour=15)  # fmt: skip


def load(context: dict[str, Any]) -> None:
    """Add the Event Management demo records when the source "Prometheus DC1" is missing."""
    from django.utils import timezone
    from freezegun import freeze_time

    from steward.core.models import Notification
    from steward.events.models import Event, EventSource

    people = context.get("people", {})
    if "opal.ops" not in people or "Online Banking" not in context.get("services", {}):
        return
    if EventSource.objects.filter(name=PROMETHEUS).exists():
        return
    started = timezone.now()
    story = _Story(context)
    with freeze_time(story.moment(30), tick=True) as story.clock:
        _setup(story)
        _routine(story)
        outages = _outages(story)
        _cascade(story, 21, "tor-sw-ams-dc1-r03", ["esx-ams-dc1-05", "esx-ams-dc1-06"],
                 ends=True)  # fmt: skip
        cascade = Event.objects.filter(resource="tor-sw-ams-dc1-r03").first()
        if cascade is not None and cascade.incident_id:
            _resolve(story, 21, 5, cascade.incident, "lee.spec", "Network Operations",
                     "Switch replaced from stock; all hosts back.", impact="2")  # fmt: skip
        _planned(story)
        _capacity_and_latency(story)
        _reviews(story, outages[0])
    # Going on now: another rack switch, its hosts still down.
    _cascade(story, None, "tor-sw-ams-dc2-r02", ["esx-ams-dc2-03", "esx-ams-dc2-04"],
             ends=False)  # fmt: skip
    Notification.objects.filter(created_at__lt=started).update(send_email=False, email_due_at=None)
    context["counts"]["events"] = Event.objects.count()
