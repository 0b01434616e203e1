"""The rule time limit: one interval timer per document (ie/watchdog.py), or `timeout=` in
every regex call where no timer can be used. Either way a runaway rule fails the document
with the rule's name, and the engine goes on with the next document."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from ie.compiler import compile_pack
from ie.runtime import Engine, RuleTimeout

SLOW = """\
rule screaming
  match w:/^(a+)+$/
  yield Scream(w)

rule said
  match who:[is_title] "said"
  yield Said(who)

rule shouting
  chars /(x+x+)+y/
  yield Shout

rule yelling
  match "yelled" w:/^(b+)+$/
  yield Yell(w)
"""

TOKEN_BOMB = "Bob said " + "a" * 30000 + "b"
CHAR_BOMB = "Ann said " + "x" * 5000
# the planner tests the token after "yelled" before it runs the rule: the limit holds there
NEAR_BOMB = "Di yelled " + "b" * 30000 + "c"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("slow") / "slow.ie"
    path.write_text(SLOW, encoding="utf-8")
    return Engine(compile_pack(path), timeout=0.2)


def _said(engine: Engine, text: str) -> list[str]:
    return [r.text for r in engine.extract("d", text) if r.type == "Said"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [(TOKEN_BOMB, "screaming"), (CHAR_BOMB, "shouting"), (NEAR_BOMB, "yelling")],
    ids=["token", "chars", "neighbour test"],
)
def test_runaway_rule_fails_the_document_by_name(engine: Engine, text: str, rule: str) -> None:
    with pytest.raises(RuleTimeout, match=f"rule `{rule}`"):
        engine.extract("bad", text)
    # no timer is left running, and the next document is matched as usual
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    assert _said(engine, "Cy said no.") == ["Cy said"]


def test_outside_the_main_thread_the_limit_is_per_call(engine: Engine) -> None:
    outcome: list[object] = []

    def work() -> None:
        try:
            engine.extract("bad", TOKEN_BOMB)
        except RuleTimeout as exc:
            outcome.append(exc)
        outcome.append(_said(engine, "Cy said no."))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert isinstance(outcome[0], RuleTimeout)
    assert "screaming" in str(outcome[0])
    assert outcome[1] == ["Cy said"]


def test_a_timer_armed_by_the_host_program_is_left_alone(engine: Engine) -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 60.0)
        assert _said(engine, "Cy said no.") == ["Cy said"]
        with pytest.raises(RuleTimeout, match="screaming"):
            engine.extract("bad", TOKEN_BOMB)  # limited by timeout= in each call instead
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0.0 < remaining <= 60.0  # the host's timer still runs
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


QUICK = """\
rule said
  match who:[is_title] "said"
  yield Said(who)

rule pairs
  match [is_title] [is_title]
  yield Pair

rule shouting
  chars /x+y/
  yield Shout
"""


@pytest.mark.parametrize("planner", [True, False], ids=["planner", "no planner"])
def test_compiling_a_rule_is_not_part_of_its_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planner: bool
) -> None:
    """A rule's regexes are compiled on first use. On a busy machine a big rule's compile
    can take longer than the limit: it must not count, or the rule would fail (and start
    compiling again on) every document."""
    import ie.program
    import ie.runtime

    path = tmp_path / "quick.ie"
    path.write_text(QUICK, encoding="utf-8")
    pack = compile_pack(path)
    real = ie.program.regex.compile

    def slow_compile(*args: object, **kwargs: object) -> object:
        time.sleep(0.3)  # longer than the 0.2 s limit
        return real(*args, **kwargs)

    monkeypatch.setattr(ie.program.regex, "compile", slow_compile)
    assert ie.runtime.regex.compile is slow_compile  # the runtime's own compiles too
    engine = Engine(pack, timeout=0.2, planner=planner)
    got = sorted((r.type, r.text) for r in engine.extract("d", "Ann Lee said xxy."))
    assert got == [("Pair", "Ann Lee"), ("Said", "Lee said"), ("Shout", "xxy")]
