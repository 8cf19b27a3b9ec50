import factory
from django.utils import timezone

from customers.models import Customer
from tests.facepay.factories import UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(
        UserFactory, phone=factory.Sequence(lambda n: f"+86139{n:08d}"), display_name="李伟"
    )
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    phone_verified_at = factory.LazyFunction(timezone.now)
