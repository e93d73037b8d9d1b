"""What the gift panel's template needs beyond the stream page's context, so the panel stays in gifts."""

from django import template

from wallet.selectors import coin_naira_rate as _coin_naira_rate

register = template.Library()


@register.simple_tag
def coin_naira_rate() -> str:
    """Naira per coin as a plain decimal string for a data attribute; empty while no package is on sale."""
    rate = _coin_naira_rate()
    return "" if rate is None else format(rate, "f")
