"""Integration tests against real services (a live Redis and Celery worker)."""
