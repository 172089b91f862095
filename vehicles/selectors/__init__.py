"""Read-side queries of the vehicles layer, one module per capability, rooted in the caller's scope."""
