"""tconnect-dcm: the vehicle agent (reads a car over OBD-II, uploads telemetry batches).

Runs on the car's side, not in the web application: nothing here imports Django. Modules:
car (python-obd reading and bus watching), spool (write-ahead batch files), upload (HTTP
with retry/backoff), cli (the console script).
"""
