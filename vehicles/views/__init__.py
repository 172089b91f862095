"""Staff portal pages of the vehicles app, one small module per area."""

from vehicles.views.vehicles import vehicle_detail, vehicle_list, vehicle_store_change

__all__ = ["vehicle_detail", "vehicle_list", "vehicle_store_change"]
