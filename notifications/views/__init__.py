"""Staff portal pages of the notifications layer, one module per capability. The appointment
pages live here rather than beside `vehicles.models.appointments` because confirming, proposing
and cancelling tell the owner, which is this layer's job (vehicles cannot call upward)."""
