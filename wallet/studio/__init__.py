"""The creator studio's money page (``/studio/money/``): earnings, payouts and their statements, and where the
payouts go (the creator sets up their bank account: checked with the bank, then saved)."""
