"""The top: what reads across the domain apps (docs/architecture.md).

``portal`` (home page, health probes, reference data), ``privacy``, ``dashboards``,
``reports``, ``api`` (router, tokens, imports, open data), ``demo`` and ``bench``. These may
import every domain app and the foundation; nothing below imports them.
"""
