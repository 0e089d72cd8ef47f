"""Class mode's state in the web process: who is in the class (students by id, with their
display names), the signed cookies that say so, and the count of wrong codes and keys per
client address (docs/classroom.md).

A cookie is `role.id.signature`: the signature is an HMAC-SHA256 of `role.id` under a secret
made when the server starts, so a cookie cannot be forged or altered, and a restarted server
asks everyone to join again. Codes and keys are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import secrets
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from typing import Literal

COOKIE = "nnp_class"
MAX_NAME = 32  # characters in a display name
FAILURE_WINDOW_S = 60.0
Role = Literal["student", "teacher"]


class NameRefused(ValueError):
    """A display name that cannot be used; its words say why."""


@dataclass(frozen=True)
class Member:
    """Who a request comes from: the teacher, or a student by id."""

    role: Role
    id: str

    @property
    def is_teacher(self) -> bool:
        return self.role == "teacher"


@dataclass
class Student:
    id: str
    name: str
    number: int  # the order of joining, for the default name and the teacher's list


def clean_name(raw: str) -> str:
    """A display name as shown: NFKC-normalized, runs of spaces made one, 1 to MAX_NAME
    characters with no control or invisible formatting characters."""
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name:
        raise NameRefused("name: type a name (1 to 32 characters)")
    if len(name) > MAX_NAME:
        raise NameRefused(f"name: at most {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise NameRefused("name: letters, digits, spaces and punctuation only")
    return name


class Classroom:
    """The class's members and secrets; one per server in class mode."""

    def __init__(
        self, code: str, key: str, max_students: int = 200, failures_per_min: int = 10
    ) -> None:
        self._code = code.upper().encode()
        self._key = key.encode()
        self._secret = secrets.token_bytes(32)  # new per server start: old cookies fail
        self.max_students, self.failures_per_min = max_students, failures_per_min
        self.students: dict[str, Student] = {}
        self._numbers = itertools.count(1)
        self._failures: dict[str, deque[float]] = {}

    # --- codes and keys ---

    def code_matches(self, code: str) -> bool:
        """Case-insensitive (students type it on phones), in constant time."""
        return hmac.compare_digest(code.strip().upper().encode(), self._code)

    def key_matches(self, key: str) -> bool:
        return hmac.compare_digest(key.encode(), self._key)

    def retry_after(self, ip: str) -> float | None:
        """Seconds until `ip` may try a code or key again, or None if it may now."""
        failures = self._recent_failures(ip)
        if len(failures) < self.failures_per_min:
            return None
        return max(1.0, failures[0] + FAILURE_WINDOW_S - time.monotonic())

    def record_failure(self, ip: str) -> None:
        self._recent_failures(ip).append(time.monotonic())

    def _recent_failures(self, ip: str) -> deque[float]:
        cutoff = time.monotonic() - FAILURE_WINDOW_S
        if len(self._failures) > 1000:  # forget addresses whose failures are all old
            for old in [a for a, d in self._failures.items() if not d or d[-1] < cutoff]:
                del self._failures[old]
        failures = self._failures.setdefault(ip, deque())
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    # --- students ---

    def admit(self, name: str | None = None) -> Student:
        """A new student, named `name` (cleaned, unique) or "Student N"; raises NameRefused
        for a bad or taken name, or a full class."""
        if len(self.students) >= self.max_students:
            raise NameRefused(f"the class is full: at most {self.max_students} students")
        chosen = self._check_free(clean_name(name)) if name is not None else None
        number = next(self._numbers)
        while chosen is None:
            default = f"Student {number}"
            chosen = default if self._is_free(default) else None
            number = number if chosen else next(self._numbers)
        student = Student(secrets.token_urlsafe(12), chosen, number)
        self.students[student.id] = student
        return student

    def rename(self, student: Student, name: str) -> None:
        cleaned = clean_name(name)
        if cleaned.casefold() != student.name.casefold():
            self._check_free(cleaned)
        student.name = cleaned

    def _is_free(self, name: str) -> bool:
        folded = name.casefold()
        return all(s.name.casefold() != folded for s in self.students.values())

    def _check_free(self, name: str) -> str:
        if not self._is_free(name):
            raise NameRefused("name: someone in the class already has this name; pick another")
        return name

    def student_of(self, member: Member | None) -> Student | None:
        if member is None or member.role != "student":
            return None
        return self.students.get(member.id)

    # --- cookies ---

    def cookie_for(self, member: Member) -> str:
        payload = f"{member.role}.{member.id}"
        return f"{payload}.{self._sign(payload)}"

    def member_from(self, cookie: str | None) -> Member | None:
        """The member a cookie names, if its signature is this server's and the student is
        still in the class; None for anything else."""
        if not cookie or len(cookie) > 200:
            return None
        payload, _, signature = cookie.rpartition(".")
        role, _, ident = payload.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        if role == "teacher" and ident == "teacher":
            return Member("teacher", "teacher")
        if role == "student" and ident in self.students:
            return Member("student", ident)
        return None

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


TAB_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def tab_of(value: str | None) -> str | None:
    """The page (browser tab) a websocket says it belongs to, if well-formed."""
    return value if value and TAB_PATTERN.match(value) else None
