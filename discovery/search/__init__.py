"""Search over streams, creators, categories and tags, and the header's as-you-type suggestions.

``text`` normalises what is stored and what is asked the same way; ``index`` keeps the stored search documents
(``discovery.models.StreamSearch``, ``CreatorSearch``) in step; ``query`` answers the search API and page;
``suggest`` the suggestions. PostgreSQL: weighted full-text search plus pg_trgm word similarity, on GIN indexes;
SQLite: LIKE over the same normalised text, ranked title > description > tag.
"""
