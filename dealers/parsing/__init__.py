"""Pure parsers of the dealers layer (no queries): the Japanese era table."""
