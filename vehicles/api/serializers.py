from rest_framework import serializers

from vehicles.models import Vehicle


class VehicleOutSerializer(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", default=None, read_only=True)
    first_registration = serializers.CharField(source="first_registration_display", read_only=True)

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "chassis_number",
            "model_code",
            "car_name",
            "plate_display",
            "vehicle_class",
            "use",
            "first_registration",
            "shaken_expiry",
            "obd_inspection_target",
            "odometer_km",
            "equipment",
            "navi_paired",
            "store",
            "store_name",
        ]
        read_only_fields = fields


class DcmIdentityOutSerializer(serializers.Serializer):
    vehicle_id = serializers.IntegerField()
    chassis_number = serializers.CharField()
    key_id = serializers.CharField()
