from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Watch time for people: "2 h 05 min", "4 min 09 s", "12 s"."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:,} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
