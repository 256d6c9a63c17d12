"""Shared test set-up: a private cache folder so tests never touch a user's .cache."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PORTFOLIO_DESK_CACHE", tempfile.mkdtemp(prefix="portfolio-desk-test-cache-"))
