"""The search text's statistics hold a histogram of 1.001 entries instead of PostgreSQL's 101.

A search first asks the planner how many sessions hold the words (mentoring.selectors.records
._plan_rows): a common word is walked newest first, a rare one looked up by id. For a
``LIKE '%…%'`` the planner counts the histogram's entries that match. With 101 entries a word
in one session of seventy ("Barokah 1", 72.000 of five million) matched none of them after one
ANALYZE and two after the next: the estimate flipped between 500 (the floor) and 100.000, and
the search between a 30 ms walk and a second of look-ups that overflowed their caps. With
1.001 entries such a word matches about fourteen; a word needs two to be taken for common
(docs/performance.md, session 8). PostgreSQL only; the column's statistics are read again at
once (ANALYZE reads a sample, not the table, and blocks no reads or writes).
"""

from django.db import migrations

TABLE = "mentoring_mentoringsession"


def _statistics(target: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN search_text SET STATISTICS {target}"
        )
        schema_editor.execute(f"ANALYZE {TABLE} (search_text)")

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("mentoring", "0012_search_text_upper"),
    ]

    # -1: the default target again.
    operations = [migrations.RunPython(_statistics(1000), _statistics(-1), elidable=False)]
