"""`make demo` needs the whole platform; here, only that its command line is there."""

from __future__ import annotations

import pytest

from frontdoor_devtools import demo


def test_the_demo_command_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--help"])
    assert exit_.value.code == 0
    assert "--seconds" in capsys.readouterr().out
