"""/api/v1/saved-views/: saved views of list pages (filters, sort and columns), a person's
own and those shared with a support group they belong to (``core/services/saved_views``)."""

from typing import Any

import django_filters
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs, queries
from steward.core.api.base import GuardedSerializer, ServiceCreate, ServiceUpdate, visible
from steward.core.models import SavedView, SupportGroup
from steward.core.services import saved_views as svc


class SavedViewFilterSet(django_filters.FilterSet):
    list_key = django_filters.CharFilter(help_text="The list page, e.g. incidents:incident-list.")

    class Meta:
        model = SavedView
        fields = ["list_key"]


class SavedViewSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)

    class Meta:
        model = SavedView
        fields = [
            "id", "lock_version", "list_key", "name", "query", "columns", "group", "owner",
            "owner_name", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class SavedViewCreateSerializer(GuardedSerializer):
    inputs = inputs.SAVED_VIEW

    list_key = serializers.CharField(
        max_length=100, help_text="The list page's name, e.g. incidents:incident-list."
    )
    name = serializers.CharField(max_length=80)
    query = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="The list's query string: filters and sort (e.g. status=new&sort=-age).",
    )
    columns = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=40,
        help_text="Keys of the visible columns; empty: all.",
    )
    group = visible(
        queries.groups_for,
        SupportGroup,
        required=False,
        allow_null=True,
        help_text="Share with this group (one you belong to); empty: only you.",
    )


class SavedViewUpdateSerializer(GuardedSerializer):
    inputs = inputs.SAVED_VIEW(list_key=None, group=None)

    name = serializers.CharField(max_length=80, required=False)
    query = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    columns = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=40
    )


class SavedViewViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Your saved views and those shared with your groups",
        "retrieve": "One saved view",
        "create": "Save a view of a list (filters, sort, columns)",
        "partial_update": "Rename a saved view or change what it shows (owner or the group's coordinator)",
        "destroy": "Delete a saved view (owner or the group's coordinator)",
    }
    query = queries.saved_views_for
    queryset = SavedView.objects.none()
    change_permission = "core.access"
    record_id = "view_id"
    serializer_class = SavedViewSerializer
    filterset_class = SavedViewFilterSet
    create_serializer = SavedViewCreateSerializer
    create_service = svc.saved_view_create
    update_serializer = SavedViewUpdateSerializer
    update_service = svc.saved_view_update
    reread = False

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view = self.guarded_object()
        svc.saved_view_delete(actor=request.user, view_id=view.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: DefaultRouter) -> None:
    router.register("saved-views", SavedViewViewSet, basename="saved-view")
