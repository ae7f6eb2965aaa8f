"""Fill a database with a generated directory: organisations, people, groups, roles.

python bench/generate.py --people 5000 [--fresh]   (DATABASE_URL or BENCH_DATABASE_URL)
Scenarios import ``generate_directory`` to get a known data set.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

FIRST = ["Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jet", "Kai", "Lot"]
LAST = ["Bakker", "Jansen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos"]


def generate_directory(people: int, customers: int = 20, groups: int = 12, seed: int = 7) -> dict:
    """Create the rows with bulk inserts; returns counts. Roles: 1 in 5 provider staff."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from steward.core.choices import Role
    from steward.core.models import (
        Organisation,
        OrganisationMembership,
        Person,
        RoleAssignment,
        SupportGroup,
        SupportGroupMembership,
    )

    rng = random.Random(seed)
    provider_roles = [r for r in Role.values if r not in ("requester", "customer_representative")]
    password = make_password("bench-password")
    with transaction.atomic():
        provider = Organisation.objects.create(
            name="Bench provider", code="bench-provider", kind="provider"
        )
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Customer {i:03d}", code=f"customer-{i:03d}", kind="customer")
            for i in range(customers)
        )
        grps = SupportGroup.objects.bulk_create(
            SupportGroup(name=f"Group {i:02d}", organisation=provider) for i in range(groups)
        )
        persons = Person.objects.bulk_create(
            Person(
                username=f"user{i:06d}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email=f"user{i:06d}@bench.example",
                password=password,
            )
            for i in range(people)
        )
        memberships, roles, group_members = [], [], []
        group_ct = ContentType.objects.get_for_model(SupportGroup)
        for i, person in enumerate(persons):
            staff = i % 5 == 0
            org = provider if staff else orgs[i % len(orgs)]
            memberships.append(
                OrganisationMembership(person=person, organisation=org, is_primary=True)
            )
            if staff:
                roles.append(RoleAssignment(person=person, role=rng.choice(provider_roles)))
                group = grps[i % len(grps)]
                group_members.append(SupportGroupMembership(group=group, person=person))
                if i % 50 == 0:
                    roles.append(
                        RoleAssignment(
                            person=person,
                            role="group_coordinator",
                            scope_type=group_ct,
                            scope_id=group.pk,
                        )
                    )
            else:
                roles.append(RoleAssignment(person=person, role="requester"))
        OrganisationMembership.objects.bulk_create(memberships, batch_size=2000)
        RoleAssignment.objects.bulk_create(roles, batch_size=2000)
        SupportGroupMembership.objects.bulk_create(group_members, batch_size=2000)
    return {"organisations": customers + 1, "people": people, "groups": groups, "roles": len(roles)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="recreate the bench database first")
    args = parser.parse_args()
    if args.fresh:
        common.fresh_database()
    else:
        common.setup_django()
    print(generate_directory(args.people, args.customers))


if __name__ == "__main__":
    main()
