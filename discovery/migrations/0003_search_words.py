from django.db import migrations, models

# PostgreSQL only: the vocabulary's trigram index (a word being typed matched by prefix or similarity), and the
# titles' own full-text index (the titles holding the matched words; the document's index also holds the
# description and tags). The expression is exactly what SearchVector("title", config="simple") compiles to, so
# the planner uses it.
POSTGRES_INDEXES = [
    ("discovery_searchword_trgm_gin", "discovery_searchword USING gin (word gin_trgm_ops)"),
    (
        "discovery_stream_title_tsv_gin",
        "discovery_streamsearch USING gin (to_tsvector('simple'::regconfig, COALESCE(title, ''::character varying)))",
    ),
]
BATCH = 2000


def forwards(apps, schema_editor):
    """The indexes, and the vocabulary of the titles already there (later ones add their words as written)."""
    if schema_editor.connection.vendor == "postgresql":
        for name, target in POSTGRES_INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    StreamSearch = apps.get_model("discovery", "StreamSearch")
    SearchWord = apps.get_model("discovery", "SearchWord")
    words = {
        word
        for title in StreamSearch.objects.values_list("title", flat=True).iterator(chunk_size=BATCH)
        for word in title.split()
        if len(word) <= 64
    }
    ordered = sorted(words)
    for start in range(0, len(ordered), BATCH):
        SearchWord.objects.bulk_create([SearchWord(word=word) for word in ordered[start : start + BATCH]])
    if schema_editor.connection.vendor == "postgresql":
        # The new expression index's statistics (how common each title word is): without them the planner
        # guesses, and takes a bitmap scan of every title with a common word over one that stops at the limit.
        schema_editor.execute("ANALYZE discovery_streamsearch")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in POSTGRES_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0002_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=64, primary_key=True, serialize=False)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
