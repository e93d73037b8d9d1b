"""What counts as a link: the one place block_links asks.

A link is anything a browser or a reader could take for an address: a scheme (``https://``), ``www.``, an IPv4
address, or a host name. A host name is labels joined by dots (browsers read the ideographic and full-width
stops as dots too) in which some label after the first is a top-level domain: one delegated in the root zone
(IANA's list, vendored in ``chat/data/tlds-alpha-by-domain.txt``; IDN ones in their ``xn--`` form, so
``пример.рф`` is one), or a special-use name (``example``, ``test``, ``localhost``, ...). So ``evil.example``,
``foo.co.uk/x``, ``Evil.Example``, full-width letters and stops and ``evil.com.Thanks`` are links, while a sentence
typed without a space after its full stop - ``ok.thanks``, ``Mr.Smith``, ``etc.Anyway`` - is not: its last
word is no top-level domain. A word that is one still reads as an address (``ok.now``, ``file.py``): it is.

The TLD list is IANA's https://data.iana.org/TLD/tlds-alpha-by-domain.txt (its version is its first line);
refresh it by replacing the file.
"""

import re
from pathlib import Path

TLD_LIST = Path(__file__).resolve().parent / "data" / "tlds-alpha-by-domain.txt"

# Reserved names that are not in the root zone but every resolver or reader treats as hosts: RFC 2606
# (example, test, invalid, localhost), RFC 6762 (local), RFC 7686 (onion), RFC 9476 (alt), ICANN's
# private-use .internal (2024).
SPECIAL_USE_NAMES = frozenset({"example", "test", "invalid", "localhost", "local", "onion", "alt", "internal"})


def _load_tlds() -> frozenset[str]:
    lines = TLD_LIST.read_text(encoding="ascii").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


TOP_LEVEL_DOMAINS = _load_tlds() | SPECIAL_USE_NAMES

_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_DOT = r"[.\u3002\uff0e\uff61]"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Addresses whatever their host: a scheme or www. (with the rest of the word), an IPv4 address.
_ADDRESS = re.compile(
    "|".join(
        [
            r"\b[a-z][a-z0-9+.-]{0,31}://\S*",  # any scheme
            r"\bwww\.\S*",
            rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)",  # an IPv4 address
        ]
    ),
    re.IGNORECASE,
)
# A word of two or more dot-joined labels: a host name if one of its labels after the first is a TLD.
_DOTTED = re.compile(rf"(?<![\w.-]){_LABEL}(?:{_DOT}{_LABEL})+(?![\w-])")
_SPLIT = re.compile(_DOT)


def _is_tld(label: str) -> bool:
    if label.isascii():
        return label.lower() in TOP_LEVEL_DOMAINS
    try:  # an IDN (or full-width letters): compare its ASCII form, as a browser would look it up
        ascii_form = label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    return ascii_form in TOP_LEVEL_DOMAINS


def _host_in(word: str) -> str | None:
    """The host name ``word`` starts with (up to its last label that is a TLD: ``foo.co.uk``, ``evil.com`` of
    ``evil.com.Thanks``), or None."""
    labels = _SPLIT.split(word)
    tlds = [index for index in range(1, len(labels)) if _is_tld(labels[index])]
    if not tlds:
        return None
    return word[: sum(len(label) + 1 for label in labels[: tlds[-1] + 1]) - 1]


def first_link(content: str) -> str | None:
    """The first thing in ``content`` that reads as an address (as written, at most 60 characters), or None."""
    found: list[tuple[int, str]] = []
    if (address := _ADDRESS.search(content)) is not None:
        found.append((address.start(), address.group()))
    for word in _DOTTED.finditer(content):
        host = _host_in(word.group())
        if host is not None:
            found.append((word.start(), host))
            break
    if not found:
        return None
    return min(found)[1][:60]
