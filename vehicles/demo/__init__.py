"""Demo data for `manage.py seed_demo`: realistic, fictional, deterministic.

data.py holds the Japanese source lists, generate.py turns a seed into COPY rows (no database
access, so it can be fingerprinted), copy.py streams those rows into PostgreSQL, base.py
creates the small tables (companies, stores, calendars, demo logins) through the ORM.
"""
