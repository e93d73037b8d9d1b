"""Start-up checks: a wallet setting that would break the first payment stops `manage.py check` (and migrate)."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def share_errors():
    return [message for message in checks.run_checks() if message.id == "wallet.E001"]


@pytest.mark.parametrize("share", ["1.5", "-0.1", "0.1234567", "half", "NaN", ""])
def test_a_bad_creator_revenue_share_stops_start_up_with_a_clear_message(settings, share):
    settings.CREATOR_REVENUE_SHARE = share
    [error] = share_errors()
    assert error.level == checks.ERROR and "CREATOR_REVENUE_SHARE" in error.msg and repr(share) in error.msg
    with pytest.raises(SystemCheckError, match="CREATOR_REVENUE_SHARE"):
        call_command("check")


@pytest.mark.parametrize("share", ["0.5", "0.333333", "0", "1", 0.7])
def test_a_good_creator_revenue_share_passes(settings, share):
    settings.CREATOR_REVENUE_SHARE = share
    assert share_errors() == []
