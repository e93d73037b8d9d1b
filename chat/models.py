# Models for chat arrive with their issue.
