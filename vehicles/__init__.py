"""Everything about a car, on top of dealers: owners and their consent, vehicles, contracts and
service availability, remote-maintenance store registration, recalls, service appointments and
slot capacity, telemetry and warnings, e-Care follow-ups and the health check report; the car
agent (`agent/`, the tconnect-dcm command) and the demo data generator (`demo/`). Imports dealers,
never notifications: when notifications must react (a warning opened), it subscribes to a hook."""
