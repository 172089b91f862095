"""Input forms of the dealers portal pages: they type and label input; the rules live in services."""
