"""Input forms of the vehicles portal pages: they type and label input; the rules live in services."""
