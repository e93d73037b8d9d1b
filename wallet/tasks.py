"""Celery tasks for the wallet: the weekly payout run."""

from celery import shared_task

from accounts.models import User
from wallet.payouts import creators_with_earnings, payout_create, payout_send


@shared_task(acks_late=True)
def run_payouts() -> dict:
    """Pay every creator whose earnings pass PAYOUT_MINIMUM_COINS (beat runs it weekly)."""
    outcome = {"paid": 0, "pending": 0, "failed": 0, "skipped": 0}
    for creator in User.objects.filter(pk__in=creators_with_earnings()):
        payout = payout_create(creator=creator)
        if payout is None:
            outcome["skipped"] += 1
            continue
        outcome[payout_send(payout_id=payout.pk).status] += 1
    return outcome
