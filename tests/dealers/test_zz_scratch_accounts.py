import pytest
from tests.factories import CompanyAdminFactory

pytestmark = pytest.mark.django_db

def test_flow(client):
    u = CompanyAdminFactory(email="a@example.jp")
    r = client.post("/accounts/login/", {"login": "a@example.jp", "password": "pw-for-tests-123"})
    print("login", r.status_code, r.get("Location"))
    r = client.get("/")
    print("home", r.status_code, r.get("Location"))
    r = client.get("/accounts/2fa/totp/activate/")
    print("activate", r.status_code, r.get("Location"))
    print(dict(client.session))
