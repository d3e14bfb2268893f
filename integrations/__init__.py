"""Clients for the national registers, their local simulators, and the periodic ingest jobs."""
