# Models for gifts arrive with their issue.
