"""The commit-msg hook (.pre-commit-config.yaml): a commit's subject, its first line, says
what the change does in at most 72 characters, and a blank line parts it from the body.
`python tools/commit_subject.py MESSAGE_FILE` exits 1 with the reason when it does not."""

from __future__ import annotations

import sys
from pathlib import Path

MAX_SUBJECT = 72


def problems(message: str) -> list[str]:
    """What is wrong with a commit message; git's comment lines are not part of it."""
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    if not lines or not lines[0].strip():
        return ["the subject (the first line) is empty"]
    found = []
    if len(lines[0]) > MAX_SUBJECT:
        found.append(f"the subject is {len(lines[0])} characters; at most {MAX_SUBJECT}")
    if len(lines) > 1 and lines[1].strip():
        found.append("the second line must be blank: it parts the subject from the body")
    return found


def main(argv: list[str]) -> int:
    found = problems(Path(argv[1]).read_text(encoding="utf-8"))
    for problem in found:
        print(f"commit message: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
