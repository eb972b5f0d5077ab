"""A real SMTP server for tests: `python -m aiosmtpd` as its own process on a loopback port, keeping
every message it accepts in a Maildir (what members' forwards and replies, the scenario tests and the
console's stage read back)."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from email.message import Message
from pathlib import Path

from frontdoor_common.bus.broker import _die_with_parent


class SmtpServer:
    """`python -m aiosmtpd` with the Mailbox handler, as its own process; stopped and started again
    on the same port (a relay going down and coming back)."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.directory),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # never outlives a test run that was killed
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the SMTP server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (its mailbox stays)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def messages(self) -> list[Message]:
        """Every message the server accepted, oldest first."""
        if not (self.directory / "new").exists():
            return []
        box = mailbox.Maildir(self.directory, create=False)
        found: list[mailbox.MaildirMessage] = list(box.values())
        found.sort(key=lambda m: m.get_date())  # the time each was delivered
        return list(found)
