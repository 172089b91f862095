"""Reply API: the owner app (`/me/inbox/<notice>/reply/`) and the navigation unit
(`/dcm/inbox/<notice>/reply/`). Stores the reply and answers 202; a worker does the rest."""

from __future__ import annotations

import re
import uuid

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import ReplyInSerializer, ReplyOutSerializer
from notifications.models import Channel, Notice
from notifications.selectors.replies import notice_get_for_owner, notice_get_for_vehicle
from notifications.services.replies import notice_repliable, reply_receive
from vehicles.api.permissions import IsOwner, IsVehicle

_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Retrying with the same key returns the reply already stored instead of a second one.",
)


class _ReplyApi(APIView):
    channel: str

    def notice(self, request, notice_id) -> Notice:
        raise NotImplementedError

    def _message_id(self, request, notice: Notice) -> str:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return f"{self.channel}:{uuid.uuid4().hex}"
        if not _KEY.match(key):
            raise serializers.ValidationError({"Idempotency-Key": [_("Use up to 100 letters, digits and . _ : -")]})
        return f"{self.channel}:{notice.pk}:{key}"

    @extend_schema(request=ReplyInSerializer, responses={202: ReplyOutSerializer}, parameters=[_IDEMPOTENCY])
    def post(self, request, notice_id: int):
        notice = self.notice(request, notice_id)
        data = ReplyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not notice_repliable(notice):
            raise serializers.ValidationError({"notice": [_("This notice can no longer be replied to.")]})
        reply, _created = reply_receive(
            notice=notice, channel=self.channel, intent=data.validated_data["intent"], preferred=data.preferences(),
            text=data.validated_data["text"], message_id=self._message_id(request, notice),
            sender_user=request.user if getattr(request.user, "pk", None) else None,
        )
        return Response(ReplyOutSerializer(reply).data, status=status.HTTP_202_ACCEPTED)


class OwnerReplyApi(_ReplyApi):
    """Reply to a notice from the app: book, ask, cancel or change. Another owner's notice is a 404."""

    permission_classes = [IsOwner]
    channel = Channel.APP

    def notice(self, request, notice_id) -> Notice:
        return notice_get_for_owner(request.user, notice_id)


class VehicleReplyApi(_ReplyApi):
    """Reply to a notice from the navigation unit (vehicle credential); only this car's notices."""

    permission_classes = [IsVehicle]
    channel = Channel.NAVI

    def notice(self, request, notice_id) -> Notice:
        return notice_get_for_vehicle(request.user.vehicle.pk, notice_id)
