"""Early revocation for any djangorestframework-simplejwt project: the store's simplejwt adapter.

An adapter layer above the store's core (`denylist`): it imports the core and simplejwt; the core imports neither
it nor simplejwt nor DRF (import-linter contracts in pyproject.toml). Token Lab's JWT door builds on it.

A simplejwt project adds `denylist` to INSTALLED_APPS and names, in its settings:
- `authentication.DenylistJWTAuthentication` as its authentication class: each request's access token is
  checked against the store — its `jti`, its login (family) and its user's cut-off — in one Redis round trip
  (one indexed query without Redis), and no user row is read;
- `serializers.TokenObtainPairSerializer` and `serializers.TokenRotationSerializer` as `SIMPLE_JWT`'s obtain
  and refresh serializers: they name each login (`fam`) and date it (`auth_time`), and rotation detects reuse
  (RFC 9700 §4.14.2);
- `views.LogoutView` and `views.LogoutAllView` on two URLs (or `services.token_logout` and
  `services.user_logout_all` from its own views).

A password change, a deactivation or a deletion of a user ends that user's tokens too, with no user row read per
request: `denylist`'s migration installs triggers on the table of `AUTH_USER_MODEL` and `denylist.users` connects
receivers to it, both writing the user's cut-off (see those modules). `request.user` is
`authentication.TokenUser`, simplejwt's with the id typed as the user model's.

simplejwt's own `token_blacklist` app is not used: it keeps every refresh token it issues, whole, in a table the
admin shows — a database of live credentials — and checks only refresh tokens, by `jti`, with a query each. Here
only claims are stored (`jti`, family, user id, cut-off instant), and access tokens are checked too.

A token obtained through simplejwt's stock serializer carries neither `fam` nor `auth_time`: its login is named
by its refresh token's `jti` from the first rotation on (its first access token cannot be ended by family), and
it is dated by `iat`, which simplejwt rounds down to the second — a login in the same second as a "log out
everywhere" ends with it, an error on the safe side.

Rotation follows the store's one rule (`denylist.rotation.refresh_use_settle`, which the JWT door follows too);
a refresh token's use is recorded as an entry of the store (`services.refresh_token_use`), because stock
simplejwt records nothing when it issues one (`denylist.rotation` says why the door records it otherwise).

Modules: `claims` (what the store reads from a token), `authentication`, `serializers`, `services`, `views`. The
authentication module imports no view: DRF imports authentication classes while it loads its views.
"""
