"""Alembic migrations of the SQL store, shipped inside the package (run by ``antidrug init``)."""
