"""The JWT door's "your logins" page: served, and its script loads from static (the browser test drives it)."""

from http import HTTPStatus


def test_logins_page_is_served_with_its_script(client):
    response = client.get("/workshop/logins/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "workshop/logins.js" in html and 'id="lg-login"' in html
    assert client.post("/workshop/logins/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
