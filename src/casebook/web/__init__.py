"""The web app: FastAPI routes over the same services as the CLI (docs/web.md)."""
