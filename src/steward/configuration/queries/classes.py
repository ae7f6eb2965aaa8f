"""The CI class tree, for every area: a class and its ancestors (a rule, a solution or a
relationship rule on "Server" covers its subclass "Linux server")."""

from collections.abc import Iterable, Mapping

from steward.configuration.models import CIClass
from steward.core import refcache

CLASS_TREE = "configuration.ci_class_tree"
# Read by routing, solution search and the CMDB; classes change a few times a year.
refcache.register(CLASS_TREE, CIClass)


def class_parents() -> Mapping[int, int | None]:
    """Every class id with its parent's id (read-only: shared by the process)."""
    return refcache.cached(CLASS_TREE, lambda: dict(CIClass.objects.values_list("pk", "parent_id")))


def class_ancestry(
    class_id: int | None, *, parents: Mapping[int, int | None] | None = None
) -> list[int]:
    """The class and its parents' ids, nearest first (a visited set guards against cycles)."""
    parents = class_parents() if parents is None else parents
    chain: list[int] = []
    current = class_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def classes_with_ancestors(
    class_ids: Iterable[int | None], *, parents: Mapping[int, int | None] | None = None
) -> set[int]:
    """The given classes and all their ancestors."""
    parents = class_parents() if parents is None else parents
    return {pk for class_id in class_ids for pk in class_ancestry(class_id, parents=parents)}
