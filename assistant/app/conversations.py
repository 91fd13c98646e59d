"""Conversations, feedback and escalations in SQLite, with personal details redacted.

Everything stored has been through ``privacy.redact`` (the Answer's question
already is; answers are redacted again here). Rows older than the retention
period are purged on open and on every write.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from assistant.safety.privacy import redact
from assistant.core.records import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    session TEXT,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    triage TEXT NOT NULL,
    policy TEXT NOT NULL,
    grounded INTEGER NOT NULL,
    answerer TEXT NOT NULL,
    fallback INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    sources TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_created ON messages(created);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (-1, 1))
);
"""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ConversationLog:
    """The assistant's memory of what was asked, for the reception console."""

    def __init__(self, path: Path, retention_days: int = 90):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)
        self.purge()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many messages went."""
        cutoff = ((now or _now()) - dt.timedelta(days=self.retention_days)).isoformat()
        with self._lock, self._db:
            self._db.execute("DELETE FROM feedback WHERE message_id IN (SELECT id FROM messages WHERE created < ?)", (cutoff,))
            return self._db.execute("DELETE FROM messages WHERE created < ?", (cutoff,)).rowcount

    def record(self, answer: Answer, channel: str = "web", session: str | None = None, when: dt.datetime | None = None) -> int:
        """Store one answered message; returns its id (for feedback)."""
        sources = [{"n": c.n, "title": c.title, "url": c.url} for c in answer.citations]
        row = (
            (when or _now()).isoformat(),
            session,
            channel,
            redact(answer.question),
            redact(answer.answer),
            answer.triage,
            ",".join(answer.policy),
            int(answer.grounded),
            answer.answerer,
            int(answer.fallback),
            float(answer.latency_ms),
            json.dumps(sources),
        )
        self.purge(when)
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO messages (created, session, channel, question, answer, triage, policy, grounded,"
                " answerer, fallback, latency_ms, sources) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            return int(cur.lastrowid)

    def feedback(self, message_id: int, value: int) -> None:
        """Thumbs up (+1) or down (-1) on a stored message."""
        if value not in (-1, 1):
            raise ValueError("feedback is +1 or -1")
        with self._lock, self._db:
            if self._db.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone() is None:
                raise KeyError(message_id)
            self._db.execute(
                "INSERT INTO feedback (message_id, created, value) VALUES (?,?,?)", (message_id, _now().isoformat(), value)
            )

    def _rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, args).fetchall()]

    def escalations(self, limit: int = 200) -> list[dict[str, Any]]:
        """Emergency and urgent messages, newest first."""
        return self._rows(
            "SELECT id, created, channel, triage, question FROM messages WHERE triage != 'routine'"
            " ORDER BY created DESC, id DESC LIMIT ?",
            (limit,),
        )

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM messages ORDER BY created DESC, id DESC LIMIT ?", (limit,))

    def gap_rows(self) -> list[dict[str, Any]]:
        """Routine questions that went unanswered or got a thumbs-down, newest first (with their sources)."""
        rows = self._rows(
            "SELECT m.id, m.created, m.question, m.sources FROM messages m WHERE m.triage = 'routine'"
            " AND (m.policy = '' OR m.policy = 'diagnosis_request') AND (m.grounded = 0 OR EXISTS"
            " (SELECT 1 FROM feedback f WHERE f.message_id = m.id AND f.value = -1))"
            " ORDER BY m.created DESC, m.id DESC"
        )
        for row in rows:
            row["sources"] = json.loads(row["sources"] or "[]")
        return rows
