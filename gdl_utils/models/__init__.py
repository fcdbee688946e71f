"""Readable PyTorch models used across the course (one file per family)."""
