# Admin for wallet arrives with its models.
