"""Read-side queries of the dealers layer, one module per capability, rooted in the caller's scope."""
