"""Where a request comes from (httpkit.network): the client address trusts only `TRUSTED_PROXY_COUNT` proxies, and
the user agent is cut to a storable, printable string."""

import pytest
from django.test import RequestFactory

from httpkit.network import MAX_USER_AGENT, address_block, client_ip, user_agent

factory = RequestFactory()


@pytest.mark.parametrize(("trusted", "forwarded", "expected"), [
    (0, "198.51.100.7", "203.0.113.9"),  # no proxy trusted: a client-written header chooses nothing
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "10.0.0.1, 198.51.100.7", "198.51.100.7"),  # the left entry was written by the client
    (2, "10.0.0.1, 198.51.100.7, 192.0.2.4", "198.51.100.7"),
    (2, "198.51.100.7", "203.0.113.9"),  # fewer hops than trusted proxies: the socket's address
    (1, "not-an-address", None),
    (1, "::ffff:192.0.2.1", "192.0.2.1"),  # one client over a dual-stack socket, one spelling
])
def test_client_ip_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_an_unreadable_socket_address_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(factory.get("/", REMOTE_ADDR="")) is None


def test_address_block_is_the_ipv4_address_or_the_ipv6_64():
    assert address_block("192.0.2.1") == "192.0.2.1"
    assert address_block("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_block(None) == "unknown"


def test_user_agent_is_printable_and_bounded():
    assert user_agent(factory.get("/", HTTP_USER_AGENT="Firefox\x00\x1b[31m/1")) == "Firefox[31m/1"
    assert user_agent(factory.get("/", HTTP_USER_AGENT="x" * 1000)) == "x" * MAX_USER_AGENT
    assert user_agent(factory.get("/")) == ""
