"""Users, roles, permissions, encryption at rest, keys."""
