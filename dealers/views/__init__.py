"""Portal pages of the dealers layer (home, staff, store calendar), and helpers every app's pages share."""
