import pytest
from django.urls import reverse
pytestmark = pytest.mark.django_db
def test_dump(client, world):
    e = world.a.enterprise
    e.business_capital, e.annual_turnover = 250_000_000, 3_900_000_000
    e.save()
    client.force_login(world.a.consultant)
    print(client.get(reverse("mentoring:enterprise_profile", args=[e.pk])).content.decode().split('<main id="main">')[1])
