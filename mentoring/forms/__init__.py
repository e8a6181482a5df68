"""Forms for the mentoring app: the session log, profiles (outcomes, merge), public booking."""
