"""The snapshot store's revisions (loaded by Alembic from this folder, not imported)."""
