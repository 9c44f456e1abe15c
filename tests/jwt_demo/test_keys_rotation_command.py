"""`manage.py rotate_signing_key`: a new key, and steps that, followed to the letter, log nobody out."""

import io
import re
import stat
from http import HTTPStatus

import jwt
import pytest
from django.core.management import CommandError, call_command

from jwt_demo.keys import key_describe
from jwt_demo.tokens import ACCESS, codec
from tests.support.keyfiles import use_key

pytestmark = pytest.mark.django_db


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_signing_key", *args, stdout=out)
    return out.getvalue()


def setting_in(output: str, name: str) -> str:
    """The value the printed "Switch" step gives to `name`."""
    switch = output[output.index("Switch."):]
    return re.search(rf"{name}=(\S*)", switch).group(1)


def access_for(user) -> str:
    return codec.encode(token_type=ACCESS, user_id=user.pk, family="b" * 32, lifetime=300)[0]


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_following_the_printed_steps_keeps_old_tokens_working(client, settings, tmp_path, user, algorithm):
    old_path = use_key(settings, tmp_path, algorithm, "current")
    old_token = access_for(user)
    new_path = tmp_path / "next.pem"
    output = rotate("--out", str(new_path))

    assert stat.S_IMODE(new_path.stat().st_mode) == 0o600
    new_kid = key_describe(str(new_path), algorithm).kid
    assert f"New {algorithm} signing key (kid {new_kid}):\n  {new_path}\n" in output
    assert f"Publish. Set JWT_VERIFYING_KEYS={new_path}\n" in output
    assert setting_in(output, "JWT_SIGNING_KEY") == str(new_path)
    assert setting_in(output, "JWT_VERIFYING_KEYS") == str(old_path)

    settings.JWT_VERIFYING_KEYS = [str(new_path)]  # step 1: publish
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]][1] == new_kid
    settings.JWT_SIGNING_KEY = setting_in(output, "JWT_SIGNING_KEY")  # step 2: switch
    settings.JWT_VERIFYING_KEYS = setting_in(output, "JWT_VERIFYING_KEYS").split(",")
    new_token = access_for(user)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    for token in (old_token, new_token):
        assert client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == HTTPStatus.OK
    settings.JWT_VERIFYING_KEYS = []  # step 3: retire
    response = client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {old_token}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["detail"] == "Token was signed with an unknown key."


def test_hs256_prints_a_new_secret_and_never_the_current_one(client, settings, user):
    current = settings.JWT_SIGNING_KEY
    old_token = access_for(user)
    output = rotate()
    new_secret = setting_in(output, "JWT_SIGNING_KEY")
    assert len(new_secret) >= 32
    assert current not in output
    assert setting_in(output, "JWT_VERIFYING_KEYS") == "$JWT_SIGNING_KEY"
    assert "Publish" not in output  # an HMAC key is never published

    settings.JWT_SIGNING_KEY = new_secret
    settings.JWT_VERIFYING_KEYS = [current]
    assert client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {old_token}").status_code == HTTPStatus.OK
    assert client.get("/jwt/api/profile/",
                      HTTP_AUTHORIZATION=f"Bearer {access_for(user)}").status_code == HTTPStatus.OK


def test_existing_file_is_never_overwritten(settings, tmp_path):
    use_key(settings, tmp_path, "ES256")
    target = tmp_path / "in-use.pem"
    target.write_bytes(b"the key in use")
    with pytest.raises(CommandError, match="exists"):
        rotate("--out", str(target))
    assert target.read_bytes() == b"the key in use"


def test_pem_algorithms_need_out(settings, tmp_path):
    use_key(settings, tmp_path, "EdDSA")
    with pytest.raises(CommandError, match="--out PATH is required"):
        rotate()


def test_hs256_refuses_out(tmp_path):
    with pytest.raises(CommandError, match="--out is for PEM keys"):
        rotate("--out", str(tmp_path / "x.pem"))
    assert not (tmp_path / "x.pem").exists()


def test_other_algorithm_is_a_switch_not_a_rotation(tmp_path):
    path = tmp_path / "rs.pem"
    output = rotate("--algorithm", "RS256", "--out", str(path))
    assert "This is not a rotation: the server pins HS256." in output
    assert key_describe(str(path), "RS256").algorithm == "RS256"
