import pytest
from django.db import connection
from vehicles.models import Vehicle
from vehicles.search import search_q
pytestmark = pytest.mark.django_db

def test_explain(cast):
    with connection.cursor() as c:
        c.execute("SET enable_seqscan = off")
    for q in ["品川330さ1234", "12-34", "山田", "09012345678", "ZVW30-100"]:
        qs = Vehicle.objects.filter(company_id=cast.company.pk).filter(search_q(q))
        print("=====", q)
        print(qs.explain())
