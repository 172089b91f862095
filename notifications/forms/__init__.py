"""Input forms of the notifications portal pages (event mail)."""
