"""Write operations of the dealers layer, one module per capability; each in one transaction with its audit entry."""
