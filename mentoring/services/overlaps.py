"""One rule for every write that may overlap a consultant's other bookings.

PostgreSQL's exclusion constraint refuses such a write with an IntegrityError. When two
overlapping writes are in flight at once, each waits in the constraint for the other's
transaction, and PostgreSQL ends one of them with "deadlock detected": that write lost the
race just as surely, and must read as "taken", never as a server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, transaction

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


class Overlaps(Exception):
    """The write would have overlapped another active booking of the same consultant."""


@contextmanager
def overlap_checked() -> Iterator[None]:
    """Run the block in a savepoint (a refusal must not spoil the caller's transaction);
    raise ``Overlaps`` when the database refused it for overlapping."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Overlaps from None
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
            raise
        raise Overlaps from None
