import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Category, Recording, Stream


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class StreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stream

    creator = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Stream {n}")
    status = Stream.Status.SCHEDULED

    class Params:
        live = factory.Trait(status=Stream.Status.LIVE, started_at=factory.LazyFunction(timezone.now))
        ended = factory.Trait(
            status=Stream.Status.ENDED,
            started_at=factory.LazyFunction(timezone.now),
            ended_at=factory.LazyFunction(timezone.now),
        )


def recording_opened_at(stream: Stream, opened, *, duration: float = 600.0, **fields) -> Recording:
    """A ready recording as the media server names it: nginx-rtmp's "<app>.<stream id>-<unix time>.flv", the
    second ``opened`` (an aware datetime) that its first frame was recorded."""
    return Recording.objects.create(
        stream=stream,
        status=fields.pop("status", Recording.Status.READY),
        source_path=f"/srv/recordings/live_normal.{stream.pk}-{int(opened.timestamp())}.flv",
        duration_seconds=duration,
        **fields,
    )
