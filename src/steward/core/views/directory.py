"""Directory pages: people, organisations and support groups, with roles and memberships."""

from typing import Any

from django import forms
from django.db.models import Count, Model, Prefetch, QuerySet
from django.urls import path, reverse, reverse_lazy

from steward.core import action_tables, permissions, queries
from steward.core.filters import OrganisationFilterSet, PersonFilterSet, SupportGroupFilterSet
from steward.core.forms import (
    GroupMemberForm,
    JoinOrganisationForm,
    OrganisationForm,
    PersonCreateForm,
    PersonForm,
    RoleAssignForm,
    SupportGroupForm,
)
from steward.core.models import (
    Organisation,
    OrganisationMembership,
    Person,
    SupportGroup,
    SupportGroupMembership,
)
from steward.core.services import directory as svc
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    Related,
    ServiceFormView,
    action_urls,
)


def _primary_organisation(person: Person) -> Organisation | None:
    # Uses the prefetched memberships: no query per row.
    memberships = list(person.memberships.all())
    chosen = next((m for m in memberships if m.is_primary), memberships[0] if memberships else None)
    return chosen.organisation if chosen else None


def _org_url(obj: Any) -> str:
    org = obj if isinstance(obj, Organisation) else getattr(obj, "organisation", None)
    if isinstance(obj, Person):
        org = _primary_organisation(obj)
    return org.get_absolute_url() if org else ""


# --- People --------------------------------------------------------------------------------


class PersonListView(RecordListView):
    permission = "core.person.view"
    title = "People"
    filterset_class = PersonFilterSet
    default_sort = "name"
    create_url_name = "core:person-create"
    create_permission = "core.person.change"
    create_label = "New person"
    columns = (
        Column("name", "Name", value="display_name", sort=("last_name", "first_name"), link=True),
        Column("username", "Username", sort="username"),
        Column("email", "Email", sort="email"),
        Column("job_title", "Job title", sort="job_title", classes="hide-sm"),
        Column("organisation", "Organisation", value=_primary_organisation, url=_org_url),
        Column("is_active", "Active", sort="is_active", classes="narrow"),
    )

    def get_queryset(self) -> QuerySet:
        memberships = OrganisationMembership.objects.select_related("organisation")
        return queries.people_for(self.actor).prefetch_related(
            Prefetch("memberships", queryset=memberships)
        )

    def restrict_filters(self, filterset: Any) -> None:
        restrict_person_filters(filterset.form, self.actor)


def restrict_person_filters(form: forms.Form, actor: Any) -> None:
    """Offer only organisations and groups the actor may see; roles only to those who may."""
    form.fields["organisation"].queryset = queries.organisations_for(actor)
    if permissions.has(actor, "core.group.view"):
        form.fields["group"].queryset = queries.groups_for(actor)
    else:
        del form.fields["group"]
    if not permissions.has(actor, "core.role.view"):
        del form.fields["role"]


class PersonDetailView(RecordDetailView):
    permission = "core.person.view"
    template_name = "core/person_detail.html"
    query_one = queries.person_for
    list_url_name = "core:person-list"
    note_permission = "core.person.change"

    def get_title(self, obj: Model) -> str:
        return obj.display_name

    def get_fields(self, obj: Person) -> list[Field]:
        fields = [
            Field("Username", obj.username),
            Field.email(obj.email),
            Field("Phone", obj.phone),
            Field("Mobile", obj.mobile),
            Field("Job title", obj.job_title),
            Field("Location", obj.location),
            Field("Time zone", obj.time_zone or "Steward's default"),
            Field("Active", obj.is_active),
            Field("Can sign in", obj.has_usable_password()),
        ]
        if permissions.has(self.actor, "core.person.change"):
            fields.append(Field("Last sign-in", obj.last_login))
        return fields

    def get_related(self, obj: Person) -> list[Related]:
        sections = [
            Related(
                "Organisations",
                obj.memberships.select_related("organisation").order_by(
                    "-is_primary", "organisation__name"
                ),
                [
                    Column("organisation", "Organisation", value="organisation.name", url=_org_url),
                    Column("kind", "Kind", value="organisation.kind", badge=True),
                    Column("is_primary", "Primary"),
                    Column("department", "Department"),
                ],
                empty_text="Not a member of any organisation.",
            )
        ]
        if permissions.has(self.actor, "core.group.view"):
            sections.append(
                Related(
                    "Support groups",
                    obj.group_memberships.select_related("group"),
                    [
                        Column(
                            "group",
                            "Group",
                            value="group.name",
                            url=lambda m: m.group.get_absolute_url(),
                        ),
                        Column("skills", "Skills"),
                        Column("is_available", "Available"),
                    ],
                    empty_text="Not in any support group.",
                )
            )
        return sections

    def get_actions(self, obj: Person) -> list[Action]:
        return [Action("Edit", reverse("core:person-edit", args=[obj.pk]), "core.person.change")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        person = context["record"]
        can_view_roles = permissions.has(self.actor, "core.role.view")
        can_change_roles = permissions.has(self.actor, "core.role.change")
        can_change_person = permissions.has(self.actor, "core.person.change")
        context.update(
            can_view_roles=can_view_roles,
            can_change_roles=can_change_roles,
            roles=list(
                queries.role_assignments_for(self.actor)
                .filter(person=person)
                .select_related("granted_by")
            )
            if can_view_roles
            else [],
            role_form=self.failed_form("role-assign", kwargs)
            or (RoleAssignForm(actor=self.actor) if can_change_roles else None),
            join_form=self.failed_form("organisation-add", kwargs)
            or (JoinOrganisationForm(actor=self.actor) if can_change_person else None),
        )
        return context


class PersonCreateView(ServiceFormView):
    permission = "core.person.change"
    form_class = PersonCreateForm
    cancel_url = reverse_lazy("core:person-list")
    title = "New person"
    submit_label = "Create person"
    success_message = "Person registered."

    service_fields = svc.PERSON_FIELDS

    def perform(self, form: forms.Form) -> Person:
        data = self.service_data(form)
        org = form.cleaned_data.get("organisation")
        return svc.person_create(
            actor=self.actor,
            username=form.cleaned_data["username"],
            primary_organisation=org,
            password=form.cleaned_data.get("password") or None,
            **data,
        )


class PersonEditView(RecordEditView):
    permission = "core.person.change"
    query_one = queries.person_for
    form_class = PersonForm
    service, record_arg, service_fields = svc.person_update, "person_id", svc.PERSON_FIELDS
    title_format = "Edit {obj.display_name}"


# --- Organisations ---------------------------------------------------------------------------


def contact_fields(org: Organisation) -> list[Field]:
    """How to reach an organisation, on its pages in every area (customer, supplier)."""
    return [
        Field.email(org.email),
        Field("Phone", org.phone),
        Field("Website", org.website, url=org.website),
    ]


class OrganisationListView(RecordListView):
    permission = "core.organisation.view"
    title = "Organisations"
    filterset_class = OrganisationFilterSet
    default_sort = "name"
    create_url_name = "core:organisation-create"
    create_permission = "core.organisation.change"
    create_label = "New organisation"
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column("code", "Code", sort="code"),
        Column("kind", "Kind", sort="kind", badge=True),
        Column("email", "Email", sort="email", classes="hide-sm"),
        Column("phone", "Phone", classes="hide-sm"),
        Column("people", "People", value="people_count", sort="people_count", classes="num"),
        Column("is_active", "Active", sort="is_active", classes="narrow"),
    )

    def get_queryset(self) -> QuerySet:
        return queries.organisations_for(self.actor).annotate(
            people_count=Count("memberships", distinct=True)
        )


class OrganisationDetailView(RecordDetailView):
    permission = "core.organisation.view"
    query_one = queries.organisation_for
    list_url_name = "core:organisation-list"
    note_permission = "core.organisation.change"
    status_field = "kind"
    people_limit = 50

    def get_fields(self, obj: Organisation) -> list[Field]:
        return [
            Field("Code", obj.code),
            Field("Kind", obj.get_kind_display()),
            *contact_fields(obj),
            Field("Address", obj.address, wide=True),
            # The provider's notes about the organisation are not for its own people.
            *(
                []
                if permissions.is_customer_side(self.actor)
                else [Field("Notes", obj.notes, wide=True)]
            ),
            Field("Active", obj.is_active),
        ]

    def get_related(self, obj: Organisation) -> list[Related]:
        people = (
            queries.people_for(self.actor)
            .filter(memberships__organisation=obj)
            .distinct()
            .order_by("last_name", "first_name", "pk")[: self.people_limit]
        )
        sections = [
            Related(
                "People",
                people,
                [
                    Column("name", "Name", value="display_name", link=True),
                    Column("job_title", "Job title"),
                    Column("email", "Email"),
                ],
                empty_text="Nobody registered yet.",
                list_url=reverse("core:person-list") + f"?organisation={obj.pk}",
            )
        ]
        if permissions.has(self.actor, "core.group.view"):
            sections.append(
                Related(
                    "Support groups",
                    queries.groups_for(self.actor).filter(organisation=obj),
                    [
                        Column("name", "Group", link=True),
                        Column("email", "Email"),
                        Column("is_active", "Active"),
                    ],
                    empty_text="No support groups.",
                )
            )
        return sections

    def get_actions(self, obj: Organisation) -> list[Action]:
        return [
            Action(
                "Edit", reverse("core:organisation-edit", args=[obj.pk]), "core.organisation.change"
            )
        ]


class OrganisationCreateView(ServiceFormView):
    permission = "core.organisation.change"
    form_class = OrganisationForm
    cancel_url = reverse_lazy("core:organisation-list")
    title = "New organisation"
    submit_label = "Create organisation"
    success_message = "Organisation registered."
    service, service_fields = svc.organisation_create, svc.ORGANISATION_FIELDS


class OrganisationEditView(RecordEditView):
    permission = "core.organisation.change"
    query_one = queries.organisation_for
    form_class = OrganisationForm
    service, record_arg = svc.organisation_update, "organisation_id"
    service_fields = svc.ORGANISATION_FIELDS
    title_format = "Edit {obj.name}"


# --- Support groups --------------------------------------------------------------------------


class GroupListView(RecordListView):
    permission = "core.group.view"
    title = "Support groups"
    filterset_class = SupportGroupFilterSet
    default_sort = "name"
    create_url_name = "core:group-create"
    create_permission = "core.group.change"
    create_label = "New group"
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column(
            "organisation",
            "Organisation",
            value="organisation.name",
            sort="organisation__name",
            url=_org_url,
        ),
        Column("members", "Members", value="member_count", sort="member_count", classes="num"),
        Column("email", "Email", sort="email", classes="hide-sm"),
        Column("skills", "Skills", classes="hide-sm"),
        Column("is_active", "Active", sort="is_active", classes="narrow"),
    )

    def get_queryset(self) -> QuerySet:
        return queries.groups_for(self.actor).annotate(
            member_count=Count("memberships", distinct=True)
        )

    def restrict_filters(self, filterset: Any) -> None:
        filterset.form.fields["organisation"].queryset = queries.organisations_for(self.actor)


class GroupDetailView(RecordDetailView):
    permission = "core.group.view"
    template_name = "core/group_detail.html"
    query_one = queries.group_for
    list_url_name = "core:group-list"
    note_permission = "core.group.change"

    def get_fields(self, obj: SupportGroup) -> list[Field]:
        calendar = obj.calendar
        calendar_url = (
            calendar.get_absolute_url()
            if calendar and permissions.has(self.actor, "core.calendar.view")
            else ""
        )
        return [
            Field("Organisation", obj.organisation, url=obj.organisation.get_absolute_url()),
            Field.email(obj.email),
            Field("Service hours", calendar, url=calendar_url),
            Field("Skills", obj.skills),
            Field("Description", obj.description, wide=True),
            Field("Active", obj.is_active),
        ]

    def get_actions(self, obj: SupportGroup) -> list[Action]:
        return [Action("Edit", reverse("core:group-edit", args=[obj.pk]), "core.group.change")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        group = context["record"]
        can_change = permissions.has(self.actor, "core.group.change", group)
        context.update(
            members=list(
                SupportGroupMembership.objects.filter(group=group)
                .select_related("person")
                .order_by("person__last_name", "person__first_name")
            ),
            can_change_members=can_change,
            member_form=self.failed_form("member-add", kwargs)
            or (GroupMemberForm(actor=self.actor, record=group) if can_change else None),
        )
        return context


class GroupCreateView(ServiceFormView):
    permission = "core.group.change"
    form_class = SupportGroupForm
    cancel_url = reverse_lazy("core:group-list")
    title = "New support group"
    submit_label = "Create group"
    success_message = "Support group created."
    service, service_fields = svc.group_create, svc.GROUP_FIELDS


class GroupEditView(RecordEditView):
    permission = "core.group.change"
    query_one = queries.group_for
    form_class = SupportGroupForm
    service, record_arg, service_fields = svc.group_update, "group_id", svc.GROUP_FIELDS


urlpatterns = [
    path("people/", PersonListView.as_view(), name="person-list"),
    path("people/new/", PersonCreateView.as_view(), name="person-create"),
    path("people/<int:pk>/", PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", PersonEditView.as_view(), name="person-edit"),
    *action_urls(action_tables.PERSON, page=PersonDetailView),
    path("organisations/", OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/new/", OrganisationCreateView.as_view(), name="organisation-create"),
    path("organisations/<int:pk>/", OrganisationDetailView.as_view(), name="organisation-detail"),
    path("organisations/<int:pk>/edit/", OrganisationEditView.as_view(), name="organisation-edit"),
    path("groups/", GroupListView.as_view(), name="group-list"),
    path("groups/new/", GroupCreateView.as_view(), name="group-create"),
    path("groups/<int:pk>/", GroupDetailView.as_view(), name="group-detail"),
    path("groups/<int:pk>/edit/", GroupEditView.as_view(), name="group-edit"),
    *action_urls(action_tables.GROUP, page=GroupDetailView),
]
