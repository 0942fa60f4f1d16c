"""The service history's revisions (loaded by Alembic from this folder, not imported)."""
