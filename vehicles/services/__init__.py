"""Vehicle-layer services (write side), one module per area."""
