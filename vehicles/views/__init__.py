"""Staff portal pages of the vehicles layer, one module per capability."""
