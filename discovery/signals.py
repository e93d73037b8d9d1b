"""Receivers that keep search documents in step with what they are built from (discovery.search.index), and
forget a viewer's cached recommendations when they follow or unfollow someone.

They run inside the writer's transaction (a stream edit rolled back leaves its document as it was). Writes that
skip signals (``QuerySet.update``, bulk loads) do not touch titles, descriptions, tags or names in the product;
after a bulk load, ``manage.py search_reindex`` rebuilds everything.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from discovery.search.index import creator_search_index, stream_search_index
from discovery.selectors import recommendation_cache_key
from streams.models import CreatorProfile, Follow, Stream

# pg_trgm's word-similarity threshold for ``%>`` (default 0.6). At 0.5 one dropped letter in a short word still
# matches ("yorba" has 0.5 with "yoruba"); set per connection because ``%>`` reads it (a function call with the
# threshold as an argument could not use the trigram index).
WORD_SIMILARITY_THRESHOLD = 0.5

STREAM_SEARCHED_FIELDS = {"title", "description"}
USER_SEARCHED_FIELDS = {"username", "display_name"}


@receiver(post_save, sender=Stream, dispatch_uid="discovery.stream_saved")
def stream_saved(sender, instance: Stream, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or (update_fields is not None and not STREAM_SEARCHED_FIELDS & set(update_fields)):
        return  # a status, viewers or key change: nothing search stores
    stream_search_index(stream_id=instance.pk)


@receiver(m2m_changed, sender=Stream.tags.through, dispatch_uid="discovery.stream_tags_changed")
def stream_tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        stream_search_index(stream_id=instance.pk)
        return
    for stream_id in pk_set or ():  # tag.streams.add(...): the tag side; a clear from it names no streams
        stream_search_index(stream_id=stream_id)


@receiver(post_save, sender=CreatorProfile, dispatch_uid="discovery.creator_profile_saved")
def creator_profile_saved(sender, instance: CreatorProfile, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        creator_search_index(user_id=instance.user_id, is_creator=True)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="discovery.user_saved")
def user_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or created or (update_fields is not None and not USER_SEARCHED_FIELDS & set(update_fields)):
        return  # a new user is no creator yet; a login's last_login stamp changes no name
    creator_search_index(user_id=instance.pk)


@receiver(post_save, sender=Follow, dispatch_uid="discovery.follow_saved")
@receiver(post_delete, sender=Follow, dispatch_uid="discovery.follow_deleted")
def follow_changed(sender, instance: Follow, raw: bool = False, **kwargs) -> None:
    """A follow or unfollow changes what the follower is recommended ("because you follow ..."): their cached
    lists are forgotten once it commits (before, a read could cache the old follows again)."""
    if raw:
        return
    key = recommendation_cache_key(instance.follower_id)
    transaction.on_commit(lambda: cache.delete(key))


@receiver(connection_created, dispatch_uid="discovery.trigram_threshold")
def trigram_threshold(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # pg_trgm may not be installed yet (a fresh database before migrate): a custom setting needs no extension.
        cursor.execute("SET pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD])
