"""Colour arithmetic for the pages: WCAG relative luminance and contrast, and a creator's brand colour made
readable as text on the site's page background. Imports no app."""

PAGE_BACKGROUND = "#f6f7f5"  # site.css's --bg, the lightest thing the brand's text sits on but white


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: float, second: float) -> float:
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


def rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(float(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))


def brand_colours(hex_colour: str) -> dict[str, str]:
    """The creator's brand colour for the page: ``accent`` as chosen (banner, borders); ``ink``, the same hue
    darkened until text in it on the page's background reaches WCAG AA (4.5:1), so white on it does too
    (buttons, links); ``on``, black or white, whichever reads best on the accent itself."""
    colour = rgb(hex_colour)
    page = luminance(rgb(PAGE_BACKGROUND))
    ink = colour
    while contrast(luminance(ink), page) < 4.5:
        ink = tuple(value * 0.9 for value in ink)
    on = "#ffffff" if contrast(luminance(colour), 1.0) >= contrast(luminance(colour), 0.0) else "#000000"
    return {
        "accent": hex_colour.lower(),
        "ink": "#" + "".join(f"{round(value):02x}" for value in ink),
        "on": on,
    }
