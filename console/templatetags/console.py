"""Template filters of the console."""

from django import template

from accounts.devices import device_name

register = template.Library()


@register.filter(name="device")
def device(user_agent: str) -> str:
    """Return the human name of a User-Agent string ("Firefox 140 on Linux")."""
    return device_name(user_agent or "")
