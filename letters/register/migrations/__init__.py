"""Alembic migrations of the register; applied automatically when a register is opened."""
