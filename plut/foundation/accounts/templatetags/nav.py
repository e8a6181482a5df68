from __future__ import annotations

from typing import Any

from django import template

from plut.foundation.accounts.nav import ShownLink, links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any], group: str) -> list[ShownLink]:
    """``{% nav_links "staff" as links %}``: the group's links the signed-in user may open."""
    return links_for(context["request"].user, group)
