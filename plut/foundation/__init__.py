"""The foundation: what every domain app stands on (docs/architecture.md).

``core`` (the toolkit), ``regions``, ``accounts`` (users, roles, the one scope mechanism),
``messaging`` (the outbox) and ``rest`` (the API's building blocks). Nothing here imports a
domain app (``clinics``, ``cooperatives``, ``mentoring``) or anything in ``plut.top``; the
import contract in pyproject.toml (``lint-imports``) holds CI to it.
"""
