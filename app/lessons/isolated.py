"""One lesson check in its own process, so the process that asks (the web server)
never trains: it only starts the check, waits for its answer, and may kill it (the client
left, or it ran out of time) without waiting for a training step to end.

The child answers once through a pipe: ("ok", CheckResult.to_json()) or ("error", words).
"""

from __future__ import annotations

import logging
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from app.train.processes import process_context

_CTX = process_context()  # forked from a server that imported torch: starts at once
PROCESS_NAME = "nnp-lesson-check"  # each check's process is named "<this> <lesson id>"


def start_check(lesson_id: str, seed: int, torch_threads: int) -> tuple[BaseProcess, Connection]:
    """Starts checking `lesson_id` on `seed`; returns the process and the end of the pipe
    its answer arrives on. The caller must `stop_check` it."""
    receive, send = _CTX.Pipe(duplex=False)
    process = _CTX.Process(
        target=check_main,
        name=f"{PROCESS_NAME} {lesson_id}",
        daemon=True,  # never outlives the server
        args=(send, lesson_id, seed, torch_threads),
    )
    process.start()
    send.close()  # only the child writes: its exit then closes the pipe (EOF, not a hang)
    return process, receive


def stop_check(process: BaseProcess, answers: Connection) -> None:
    """Kills the check if it still runs and closes its pipe; `process.is_alive()` reaps it."""
    if process.is_alive():
        process.kill()
    answers.close()


def check_main(answers: Connection, lesson_id: str, seed: int, torch_threads: int) -> None:
    """The child: trains the lesson's measured runs on one thread pool of `torch_threads`
    threads and sends the verdict."""
    import torch

    from app.lessons import LESSONS, LessonError, check_lesson

    torch.set_num_threads(torch_threads)
    answer: tuple[str, Any]
    try:
        answer = ("ok", check_lesson(LESSONS[lesson_id], seed).to_json())
    except LessonError as error:  # a shipped lesson that cannot run: our bug, said plainly
        answer = ("error", f"lesson {lesson_id} cannot be checked: {error}")
    except Exception:
        logging.getLogger(__name__).exception("checking lesson %s failed", lesson_id)
        answer = ("error", f"checking lesson {lesson_id} failed on the server")
    answers.send(answer)
    answers.close()
