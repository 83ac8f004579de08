import factory

from accounts.tests.factories import UserFactory
from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Notification.Kind.ACCOUNT
    title = factory.Sequence(lambda n: f"Notice {n}")
    body = "Something happened."
    url = "/dashboard/"
