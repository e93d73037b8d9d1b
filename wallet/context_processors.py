"""The signed-in viewer's coins for every page's header (and the pages that price things in coins)."""

from wallet.selectors import wallet_balance


def coins(request):
    """``coin_balance``: the viewer's spendable coins (one indexed query: every signed-in page's header shows
    it), or None for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"coin_balance": None}
    return {"coin_balance": wallet_balance(user=user)}
