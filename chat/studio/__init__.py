"""The studio's channel moderation page (``/studio/moderation/``): the channel's chat rules, its moderators, its
bans and timeouts, and its blocked terms, every change through chat's channel services."""
