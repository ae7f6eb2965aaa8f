"""Transition tables: which status may follow which. Each area declares its own in
``<area>/workflows.py``; services move a record with ``core.transitions.transition``, which
calls ``WORKFLOW.check(old, new)`` under the row lock.

A workflow governs one field of its model, ``status`` unless it names another
(``field="escalation"``): a record may have a second state machine beside its status."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from steward.core.errors import InvalidTransition


@dataclass(frozen=True)
class Workflow:
    name: str
    transitions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    field: str = "status"  # the state field it governs

    @classmethod
    def build(
        cls, name: str, table: Mapping[str, Iterable[str]], *, field: str = "status"
    ) -> "Workflow":
        return cls(name, {old: frozenset(new) for old, new in table.items()}, field)

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions).union(*self.transitions.values())

    def allowed(self, old: str) -> frozenset[str]:
        return self.transitions.get(old, frozenset())

    def can(self, old: str, new: str) -> bool:
        return new in self.allowed(old)

    def check(self, old: str, new: str) -> None:
        if not self.can(old, new):
            # str(): TextChoices members would otherwise show as their repr in the message.
            raise InvalidTransition(self.name, str(old), str(new))
