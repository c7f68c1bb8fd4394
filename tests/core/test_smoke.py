import pytest


@pytest.mark.django_db
def test_home_page_is_french_by_default(client, paris):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Aller au contenu" in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_locate_hotel_de_ville_in_demo_4th(client, paris):
    data = client.get("/api/territories/locate", {"lat": "48.8566", "lon": "2.3522"}).json()
    assert data["district"] == {"code": "4", "name": "4e arrondissement"}
