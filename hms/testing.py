"""Helpers shared by tests of several apps (imported only by tests)."""

import threading
from collections.abc import Callable, Iterable

from django.db import connection


def race(
    attempts: Iterable[Callable[[], object]],
    *,
    refused: tuple[type[Exception], ...],
    success: str | None = None,
    describe_refusal: Callable[[Exception], str] = lambda error: f"refused: {error}",
    join_seconds: float = 60,
) -> list[object]:
    """Run each attempt in its own thread (its own database connection), all released at the same instant.

    Returns one outcome per attempt: `success` (or what the attempt returned) when it went through,
    `describe_refusal(error)` for one of the `refused` errors, and "ESCAPED <type>: <message>" for anything
    else, which a test asserts never happens (it would be a 500 for a user)."""
    attempts = list(attempts)
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            result = attempt()
            outcome = success if success is not None else result
        except refused as error:
            outcome = describe_refusal(error)
        except Exception as error:
            outcome = f"ESCAPED {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join_seconds)
    return outcomes
