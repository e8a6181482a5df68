"""The dashboards' facts: figures kept small and pre-aggregated, so any filter answers at once.

Learned from DHIS2's analytics tables. Each ``Cell`` holds what the sessions and bookings of one
place (the nation, a province, a centre) add up to in one month on their centres' own clocks,
for one service area and one mode, "any area" and "any mode" being rows of their own; the
nation also has one cell per day, for ranges that start or end inside a month. The counts that
cannot be added up (unique, new and returning enterprises, cooperatives served) are kept as
sets of ids (Roaring bitmaps, ``pyroaring``): the sets of the months of a range are united and
counted, which is exact for any range.

- ``measure``: what a set of sessions and bookings adds up to, per group (the one computation
  from the source tables, used to build cells and for the days of a province or centre that
  no cell holds).
- ``keep``: database triggers mark each changed centre and date (dashboards 0003, 0004); ``drain``
  recomputes the centre's months, then its province's and the nation's, and the nation's days.
  Celery drains after every commit that leaves marks, and each minute as a safety net.
- ``read``: the figures of a dashboard from the cells.

The clients' regency filter reads ``RegencyCell``: per centre, regency, month, area and mode,
only the leaves (a session counts in each regency a participant of it lives in); the few
leaves of a place are added up when read, which keeps the regency cells to about as many rows
as the centres' own.
"""
