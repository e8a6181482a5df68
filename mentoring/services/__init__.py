"""Writes for the mentoring app, one module per part: sessions, follow-ups, outcomes, merge, booking
actions."""
