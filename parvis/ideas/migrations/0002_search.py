"""Full-text search: a GIN index with the French configuration on PostgreSQL, an FTS5 table on SQLite.

Both index ``Idea.search_text``, which the services fill with accent-free, singular word forms
(``rules.search_normalise``), so that "velo" finds "vélos" on either database.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE ideas_idea_fts USING fts5(search_text, content='ideas_idea', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER ideas_idea_fts_ai AFTER INSERT ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER ideas_idea_fts_ad AFTER DELETE ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(ideas_idea_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER ideas_idea_fts_au AFTER UPDATE OF search_text ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(ideas_idea_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO ideas_idea_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ideas_idea_fts_au", "DROP TRIGGER IF EXISTS ideas_idea_fts_ad",
    "DROP TRIGGER IF EXISTS ideas_idea_fts_ai", "DROP TABLE IF EXISTS ideas_idea_fts",
]
PG_FORWARD = ["CREATE INDEX ideas_idea_search_fr ON ideas_idea USING gin (to_tsvector('french'::regconfig, search_text))"]
PG_BACKWARD = ["DROP INDEX IF EXISTS ideas_idea_search_fr"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("ideas", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
                             _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD})),
    ]
