"""Article → prompt → client → validated, grounded events: everything up to a record."""
