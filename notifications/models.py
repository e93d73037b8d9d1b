"""What a user is told and how: notifications, each user's choices per kind and channel, Web Push subscriptions."""
