# Admin for chat arrives with its models.
