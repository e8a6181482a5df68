"""The national-scale benchmark: ``python -m plut.top.bench`` (``make bench``), see
docs/performance.md.

A plain package, not an app: it adds one tiny view (the floor) and a query-counting middleware
that only its own settings module (``plut.top.bench.settings``) switches on.
"""
