"""The admin console's pages: dashboard, live sessions and token logins across users, one user's logins.

Staff with the "view user" permission see; staff with "change user" act; everyone else gets nothing (the admin
login page for the anonymous and non-staff, 403 for staff without the permission). Every action that cannot be
undone (ending one login or several, log out everywhere, suspend) answers with a confirmation page first; every
action is recorded as an auth event naming the administrator, with the administrator's address and device. The
user page's actions are a table (console.actions.USER_ACTIONS): name → permission, confirmation, service call.
"""

import ipaddress
import re
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts import logins
from accounts.models import acting_from
from console import selectors
from console import services as console_services
from console.actions import CHANGE, USER_ACTIONS, VIEW, Refused, login_described
from httpkit.adminguard import NUL, query_has_nul
from httpkit.network import client_ip, user_agent

PER_PAGE = 50
AGES = {"1h": ("Last hour", timedelta(hours=1)), "24h": ("Last 24 hours", timedelta(hours=24)),
        "7d": ("Last 7 days", timedelta(days=7))}
_USER_ID = re.compile(r"[0-9]{1,18}")


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _context(request, **extra) -> dict:
    return {**admin.site.each_context(request), "can_change": request.user.has_perm(CHANGE), **extra}


def _user_or_404(user_id: str):
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise Http404("No such user.")
    user = selectors.user_get(int(user_id))
    if user is None:
        raise Http404("No such user.")
    return user


# --- dashboard -----------------------------------------------------------------------------------------------
def dashboard_view(request):
    _require(request, VIEW)
    data = selectors.dashboard()
    charts = {
        "doors": sorted({door for counts in (data["events_day"], data["events_hour"])
                         for doors in counts.values() for door in doors}, key=_door_order),
        "kinds": [{"kind": kind.value, "label": label} for kind, label in selectors.CHARTED_EVENTS],
        "hour": data["events_hour"], "day": data["events_day"], "timeline": data["timeline"],
    }
    return TemplateResponse(request, "console/dashboard.html", _context(
        request, title="Token Lab console", data=data, charts=charts))


def _door_order(door: str) -> tuple:
    return (selectors.DOORS.index(door) if door in selectors.DOORS else len(selectors.DOORS), door)


# --- cross-user lists ----------------------------------------------------------------------------------------
KINDS = {
    "sessions": {"title": "Live sessions", "kind": "session", "doors": ["session"]},
    "tokens": {"title": "Live token logins", "kind": "token", "doors": ["jwt", "hybrid"]},
}


def _filtered(request, which: str):
    """Return (rows, filters, error) for a list: the live rows the query string's filters keep."""
    params = request.GET
    error = ""
    if query_has_nul(params):
        return None, {}, "A filter holds a character no value can contain; showing nothing."
    now = timezone.now()
    source = logins.source(KINDS[which]["kind"])
    rows = logins.live_rows(source, now=now).select_related("user")
    filters = {name: params.get(name, "").strip()[:300] for name in ("door", "ip", "device", "age", "user", "q")}
    if filters["door"] and len(source.doors) > 1:  # a list of one door has no door to choose
        rows = rows.filter(door=filters["door"])
    if filters["ip"]:
        try:
            rows = rows.filter(ip=str(ipaddress.ip_address(filters["ip"])))
        except ValueError:
            error = "That is not an IP address."
            rows = rows.none()
    if filters["device"]:
        rows = rows.filter(user_agent__icontains=filters["device"])
    if filters["age"] in AGES:
        rows = rows.filter(created__gte=now - AGES[filters["age"]][1])
    elif filters["age"] == "older":
        rows = rows.filter(created__lt=now - AGES["7d"][1])
    if filters["user"]:
        rows = rows.filter(user__username=filters["user"])
    if filters["q"]:
        term = filters["q"]
        condition = Q(user__username__icontains=term) | Q(user_agent__icontains=term)
        try:
            condition |= Q(ip=str(ipaddress.ip_address(term)))
        except ValueError:
            pass
        rows = rows.filter(condition)
    return rows.order_by("-created"), filters, error


def logins_view(request, which: str):
    _require(request, VIEW)
    spec = KINDS[which]
    if request.method == "POST":
        return _bulk_end(request, which)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    rows, filters, error = _filtered(request, which)
    page = Paginator(rows if rows is not None else [], PER_PAGE).get_page(request.GET.get("page"))
    source = logins.source(spec["kind"])
    facts = [source.row_facts(r) for r in page.object_list]
    usernames = {r.user_id: r.user.get_username() for r in page.object_list}
    keep = request.GET.copy()
    keep.pop("page", None)
    return TemplateResponse(request, "console/logins.html", _context(
        request, title=spec["title"], which=which, spec=spec, page=page, error=error, filters=filters,
        ages=[(k, label) for k, (label, _delta) in AGES.items()] + [("older", "Older than 7 days")],
        logins=[(login, usernames.get(login.user_id, "")) for login in logins.logins_of(source, facts)],
        query=keep.urlencode() if not query_has_nul(request.GET) else "",
    ))


def _bulk_end(request, which: str):
    _require(request, CHANGE)
    ids = [i for i in request.POST.getlist("ids") if NUL not in i][:PER_PAGE]
    found = []
    for login_id in dict.fromkeys(ids):
        parsed = logins.login_id_parse(login_id)
        if parsed is None or parsed[0].kind != KINDS[which]["kind"]:
            continue
        login = logins.login_get(user_id=None, login_id=login_id)  # whoever's it is
        if login is not None and login.state.is_live:
            found.append(login)
    owners = get_user_model().objects.in_bulk({login.user_id for login in found})
    chosen = [(login, owners[login.user_id]) for login in found if login.user_id in owners]
    back = _list_url(request, which)
    if not chosen:
        messages.warning(request, "Nothing to end: choose one or more live logins.")
        return HttpResponseRedirect(back)
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(request, "console/confirm.html", _context(
            request, title=f"End {len(chosen)} login{'s' if len(chosen) != 1 else ''}?",
            action_url=request.get_full_path(),
            hidden=[("ids", login.id) for login, _user in chosen],
            items=[login_described(login, user.get_username()) for login, user in chosen],
            consequence="Each of these logins stops working on its next request, on every server.",
            cancel_url=back))
    with acting_from(ip=client_ip(request), user_agent=user_agent(request)):
        ended = console_services.logins_end(chosen=[(user.pk, login.id) for login, user in chosen],
                                            admin=request.user)
    messages.success(request, f"{ended} login{'s' if ended != 1 else ''} ended.")
    return HttpResponseRedirect(back)


def _list_url(request, which: str) -> str:
    """Return the list's address with the filters it was showing (not the page: ending logins shortens it)."""
    keep = request.GET.copy()
    keep.pop("page", None)
    query = keep.urlencode() if not query_has_nul(keep) else ""
    return reverse(f"console:{which}") + (f"?{query}" if query else "")


# --- one user ------------------------------------------------------------------------------------------------
def user_view(request, user_id: str):
    _require(request, VIEW)
    user = _user_or_404(user_id)
    if request.method == "POST":
        return _user_action(request, user)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    found = selectors.user_logins(user)
    return TemplateResponse(request, "console/user.html", _context(
        request, title=f"Sessions and tokens of {user.get_username()}", subject=user,
        opts=get_user_model()._meta, sessions=found.sessions, tokens=found.tokens, ended=found.ended,
        ended_days=selectors.ENDED_SHOWN.days, events=selectors.user_events(user),
    ))


def _user_action(request, user):
    back = HttpResponseRedirect(request.path)
    action = USER_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        _require(request, CHANGE)
        messages.error(request, "Unknown action.")
        return back
    _require(request, action.permission)
    try:
        target = action.target(request, user)
        if action.confirm and request.POST.get("confirm") != "yes":
            hidden = [(name, request.POST[name]) for name in ("action", "session", "family") if name in request.POST]
            return TemplateResponse(request, "console/confirm.html", _context(
                request, title=action.confirm.format(username=user.get_username()), action_url=request.path,
                hidden=hidden, items=[action.describe(target)], consequence=action.consequence,
                cancel_url=request.path))
        with acting_from(ip=client_ip(request), user_agent=user_agent(request)):
            done = action.run(request, user, target)
    except Refused as refused:
        messages.add_message(request, refused.level, refused.message)
        return back
    messages.success(request, done)
    return back
