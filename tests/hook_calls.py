"""What the hook meta-test needs from the session: the hooks called, and whether the whole core suite ran."""

from __future__ import annotations

CALLED: set[str] = set()
SESSION = {"full": False}
