"""The local e-mail twin: a real SMTP server on loopback that keeps what it receives.

`make run` starts it next to the site and points Django's SMTP backend at it, so a
newcomer's booking sends its confirmation over SMTP for real; each message is written to
`var/mail/` as an .eml file (open it in any mail reader, .ics attachment and all), and the
admin's Messages page shows what was sent. Nothing leaves the machine.

    .venv/bin/python scripts/mail_sink.py --port 9025 --dir var/mail
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            self.count += 1
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{self.count:04d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        print(f"mail sink: {envelope.rcpt_tos} -> {self.folder / name}", flush=True)  # noqa: T201
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="var/mail")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"mail sink: SMTP on 127.0.0.1:{args.port}, saving to {folder}/", flush=True)  # noqa: T201
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
