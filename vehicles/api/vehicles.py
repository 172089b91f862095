from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from dealers.models import User
from vehicles.api.permissions import IsDealerStaff, IsOwner, IsVehicle
from vehicles.api.serializers import DcmIdentityOutSerializer, VehicleOutSerializer
from vehicles.selectors.vehicles import vehicle_get_for_staff, vehicles_for_owner, vehicles_for_staff


class StaffVehicleListApi(generics.ListAPIView):
    """Vehicles in the caller's dealer scope (company, or store for store staff)."""

    permission_classes = [IsDealerStaff]
    serializer_class = VehicleOutSerializer

    def get_queryset(self):
        return vehicles_for_staff(cast(User, self.request.user)).select_related("store")  # IsDealerStaff: a logged-in User


class StaffVehicleDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsDealerStaff]
    serializer_class = VehicleOutSerializer

    def get_object(self):
        return vehicle_get_for_staff(cast(User, self.request.user), self.kwargs["pk"])  # IsDealerStaff: a logged-in User


class OwnerVehicleListApi(generics.ListAPIView):
    """The app user's own cars."""

    permission_classes = [IsOwner]
    serializer_class = VehicleOutSerializer

    def get_queryset(self):
        return vehicles_for_owner(cast(User, self.request.user)).select_related("store")  # IsOwner: a logged-in User


class DcmIdentityApi(APIView):
    """Which car this credential belongs to: the agent's connectivity check."""

    permission_classes = [IsVehicle]

    @extend_schema(responses=DcmIdentityOutSerializer)
    def get(self, request):
        credential = request.user.credential
        data = {"vehicle_id": credential.vehicle_id, "chassis_number": credential.vehicle.chassis_number, "key_id": credential.key_id}
        return Response(DcmIdentityOutSerializer(data).data)
