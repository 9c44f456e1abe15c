"""The cross-origin demo server and `manage.py serve_cross_origin_demo`'s refusals."""

import urllib.error
import urllib.request
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command

from tests.support.browser_servers import cross_origin_demo
from tests.support.canary import Canary
from workshop.crossorigin import DemoConfigError, DemoServer, host_check_loopback, origin_normalize


@pytest.mark.parametrize(("url", "origin"), [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"), ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("HTTPS://Example.TEST", "https://example.test"), ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_origins_are_normalized(url, origin):
    assert origin_normalize(url) == origin


@pytest.mark.parametrize("url", ["", "127.0.0.1:8000", "ftp://x", "http://x/path", "http://x?q", "http://u:p@x",
                                 "http://x:99999", "javascript:alert(1)", 'http://x"onload', "http://[::1"])
def test_bad_api_origins_are_refused(url):
    with pytest.raises(DemoConfigError):
        origin_normalize(url)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "example.test", "::", ""])
def test_only_loopback_hosts_are_served(host):
    with pytest.raises(DemoConfigError, match="not a loopback address"):
        host_check_loopback(host)


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_demo_serves_the_page_and_the_stylesheet_only():
    with cross_origin_demo("http://127.0.0.1:8000") as demo:
        status, headers, body = get(f"{demo.origin}/")
        assert status == HTTPStatus.OK and headers["Content-Type"] == "text/html; charset=utf-8"
        assert 'const API = "http://127.0.0.1:8000";' in body.decode()
        assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
        status, headers, body = get(f"{demo.origin}/site.css")
        assert status == HTTPStatus.OK and headers["Content-Type"] == "text/css; charset=utf-8"
        assert b".lifebar" in body
        for path in ("/x", "/../config/settings.py", "/static/tokenlab/site.css", "/site.css/"):
            assert get(f"{demo.origin}{path}")[0] == HTTPStatus.NOT_FOUND


def test_demo_refuses_the_api_origin_itself():
    with pytest.raises(DemoConfigError, match="another origin"):
        DemoServer(host="127.0.0.1", port=18377, api_origin="http://127.0.0.1:18377")


@pytest.mark.parametrize(("args", "message"), [
    (["--api", "not a url"], "is not an origin"), (["--host", "0.0.0.0"], "not a loopback address"),
    (["--port", "0"], "--port must be between"), (["--api", "http://127.0.0.1:18376", "--port", "18376"],
                                                   "another origin"),
])
def test_command_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve_cross_origin_demo", *args)


def test_command_reports_a_port_in_use():
    with Canary() as taken:
        with pytest.raises(CommandError, match=f"Cannot listen on 127.0.0.1:{taken.port}"):
            call_command("serve_cross_origin_demo", "--port", str(taken.port))
