"""The benchmark's parts: percentiles, wire bytes, response parsing, cost counting, the baseline's door."""

from http import HTTPStatus

import pytest
from django.db import connection
from rest_framework.test import APIRequestFactory

from bench.authentication import AssertedUserAuthentication
from bench.instruments import CostMeter, summarize
from bench.measure import percentile
from bench.transport import parse_response, wire_request


@pytest.mark.parametrize(("p", "expected"), [(50, 5), (95, 10), (99, 10), (10, 1), (100, 10)])
def test_percentile_is_nearest_rank(p, expected):
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p) == expected


def test_percentile_of_one_value():
    assert percentile([7.0], 50) == percentile([7.0], 99) == 7.0


def test_wire_request_is_the_exact_bytes_a_minimal_client_sends():
    assert wire_request("GET", "/jwt/api/notes/", {"Authorization": "Bearer abc"}) == (
        b"GET /jwt/api/notes/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer abc\r\n\r\n")
    assert wire_request("POST", "/x/", {}, b"{}") == (
        b"POST /x/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")


def test_parse_response_reads_status_cookies_and_chunked_body():
    raw = (b"HTTP/1.1 302 Found\r\nSet-Cookie: sessionid=abc; HttpOnly; Path=/\r\n"
           b"Set-Cookie: csrftoken=def; Path=/\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
    response = parse_response(raw)
    assert response.status == HTTPStatus.FOUND
    assert response.cookies == {"sessionid": "abc", "csrftoken": "def"}
    assert response.body == b"hello"


@pytest.mark.django_db
def test_cost_meter_counts_queries_per_request_and_names_their_tables():
    from accounts.models import User

    meter = CostMeter()
    with meter.active():
        with meter.request():
            User.objects.count()
            list(User.objects.filter(pk=1))
        with meter.request():
            pass
    with connection.cursor() as cursor:  # outside a request: not counted
        cursor.execute("SELECT 1")
    assert [c.queries for c in meter.done] == [2, 0]
    assert meter.done[0].tables == ["accounts_user", "accounts_user"]


class FakeRedis:
    """Just enough of a redis-py client: commands go through `execute_command`, pipelines through `execute`."""

    def __init__(self):
        self.sent = []

    def execute_command(self, *args, **options):
        self.sent.append(args[0])
        return None

    def get(self, key):
        return self.execute_command("GET", key)

    def pipeline(self):
        client = self

        class Pipe:
            command_stack = []

            def hget(self, *args):
                self.command_stack.append((("HGET", *args), {}))

            def execute(self):
                client.sent.append("PIPELINE")
                return []

        return Pipe()


def test_cost_meter_counts_redis_commands_and_round_trips():
    client = FakeRedis()
    meter = CostMeter(client)
    with meter.active():
        with meter.request():
            client.get("a")
            pipe = client.pipeline()
            pipe.hget("h", "x")
            pipe.hget("h", "y")
            pipe.execute()
    client.get("outside")  # hooks removed: not counted, and the client works as before
    counts = meter.done[0]
    assert (counts.redis_commands, counts.redis_round_trips, counts.commands) == (3, 2, ["GET", "HGET", "HGET"])
    assert client.sent == ["GET", "PIPELINE", "GET"]
    assert "execute_command" not in vars(client)


def test_summarize_reports_the_typical_request_and_the_mean():
    from bench.instruments import RequestCounts

    counts = [RequestCounts(queries=1, tables=["t"]) for _ in range(9)] + [RequestCounts(queries=3)]
    summary = summarize(counts)
    assert summary["db_queries"] == {"per_request": 1, "mean": 1.2, "max": 3, "tables": ["t"]}
    assert summary["redis"] == {"commands_per_request": 0, "mean": 0.0, "round_trips_per_request": 0,
                                "commands": []}


@pytest.mark.parametrize(("header", "user_id"), [("42", 42), ("", None), ("4x", None), ("-1", None),
                                                  ("1" * 19, None), ("٣", None)])
def test_the_baseline_door_believes_a_user_id_and_nothing_else(header, user_id):
    request = APIRequestFactory().get("/", HTTP_X_BENCH_USER=header)
    result = AssertedUserAuthentication().authenticate(request)
    assert (result[0].pk if result else None) == user_id


def test_simplejwt_precheck_accepts_our_hs256_tokens():
    from bench.runner import _simplejwt_refuses

    assert _simplejwt_refuses() is None


def test_simplejwt_precheck_names_why_it_cannot_verify_an_asymmetric_token(settings, tmp_path):
    from bench.runner import _simplejwt_refuses
    from tests.support.keyfiles import use_key

    use_key(settings, tmp_path, "EdDSA")
    reason = _simplejwt_refuses()
    assert reason.startswith("skipped: simplejwt's stock backend cannot verify Token Lab's EdDSA tokens with "
                             "SIMPLE_JWT as configured (")


def test_the_algorithms_section_verifies_every_token_in_full():
    from bench.algorithms import every_verification_in_full
    from jwt_demo.backend import token_backend

    size = token_backend.verified.size
    assert size > 0
    with every_verification_in_full():
        assert token_backend.verified.size == 0
    assert token_backend.verified.size == size
