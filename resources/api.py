"""JSON views of the protected resources, written once and mounted by each door with its own authentication.

`sessions_demo.urls` mounts them with session authentication, `jwt_demo.urls` with Bearer tokens: the same
code, the same JSON, the same rules — the only difference between the doors is how the caller proves who it is.
"""

from django.contrib.auth import get_user_model
from django.urls import register_converter
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import logins
from denylist.reasons import Reason
from httpkit.fields import StrictCharField
from httpkit.network import client_ip
from resources import selectors, services
from resources.models import Note


class NoteSerializer(serializers.ModelSerializer):
    title = StrictCharField(max_length=200, allow_blank=False, trim_whitespace=True)
    body = StrictCharField(max_length=10_000, allow_blank=True, required=False, default="", trim_whitespace=False)

    class Meta:
        model = Note
        fields = ["id", "title", "body", "created"]
        read_only_fields = ["id", "created"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "date_joined", "is_staff"]


class StaffReportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    users = serializers.IntegerField()
    active_users = serializers.IntegerField()
    staff = serializers.IntegerField()
    notes = serializers.IntegerField()
    top_writers = serializers.ListField(child=serializers.DictField())


class LoginSerializer(serializers.Serializer):
    """One of the caller's logins (API.md, "Logins of the caller"): never a session key or a token."""

    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["session", "token"])
    door = serializers.CharField()
    device = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True)
    created = serializers.DateTimeField()
    last_seen = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class IsStaff(BasePermission):
    """Allow staff only, as the database says now — never as a token claim says (claims go stale)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.is_active)


class ProfileView(APIView):
    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)


class NoteListView(APIView):
    @extend_schema(responses=NoteSerializer(many=True))
    def get(self, request):
        notes = selectors.note_list(owner_id=request.user.pk)
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request):
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.note_create(owner_id=request.user.pk, **serializer.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class NoteDetailView(APIView):
    @extend_schema(responses=NoteSerializer)
    def get(self, request, note_id: int):
        note = selectors.note_get(owner_id=request.user.pk, note_id=note_id)
        if note is None:
            raise NotFound("No such note.")
        return Response(NoteSerializer(note).data)

    @extend_schema(responses={204: None})
    def delete(self, request, note_id: int):
        if not services.note_delete(owner_id=request.user.pk, note_id=note_id):
            raise NotFound("No such note.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffReportView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(responses=StaffReportSerializer)
    def get(self, request):
        return Response(StaffReportSerializer(selectors.staff_report()).data)


class LoginListView(APIView):
    """The caller's live logins on both doors, sessions and token logins together."""

    @extend_schema(responses=LoginSerializer(many=True))
    def get(self, request):
        return Response(LoginSerializer(logins.login_list(user_id=request.user.pk, request=request), many=True).data)


class LoginDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, login_id: str):
        """End one of the caller's logins at once: a session, or every token of a token login (its family)."""
        ended = logins.login_end(user_id=request.user.pk, login_id=login_id, reason=Reason.USER, request=request,
                                 ip=client_ip(request._request))
        if ended is None:
            raise NotFound("No such login.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class RowIdConverter:
    """A database row id: 1 to 18 digits, so an absurd id is a 404, never an integer overflow in the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowIdConverter, "rowid")


def resource_urlpatterns(*, authentication_classes: list, name_prefix: str) -> list:
    """Return the resource routes bound to one door's authentication classes."""
    from django.urls import path

    def bind(view):
        return view.as_view(authentication_classes=authentication_classes)

    return [
        path("profile/", bind(ProfileView), name=f"{name_prefix}-profile"),
        path("notes/", bind(NoteListView), name=f"{name_prefix}-notes"),
        path("notes/<rowid:note_id>/", bind(NoteDetailView), name=f"{name_prefix}-note"),
        path("staff/report/", bind(StaffReportView), name=f"{name_prefix}-staff-report"),
        path("logins/", bind(LoginListView), name=f"{name_prefix}-logins"),
        path("logins/<str:login_id>/", bind(LoginDetailView), name=f"{name_prefix}-login"),
    ]
