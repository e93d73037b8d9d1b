import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Category, Stream


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
