# Admin for gifts arrives with its models.
