# Models for wallet arrive with their issue.
