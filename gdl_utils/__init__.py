"""gdl_utils."""
