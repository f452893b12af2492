#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for the notification tests (Debian's python3-aiosmtpd).

Every mail it accepts is written to DIR/<n>.eml (whole, then renamed into place, so that a reader
never sees half a file). A recipient at the domain given by --bounce-domain is refused with a
550 (a mailbox that does not exist), as a real server refuses an unknown mailbox. With --tls-cert
and --tls-key the server offers STARTTLS and refuses mail before it (require_starttls).

Prints "port N" on stdout once it accepts connections, then runs until SIGTERM.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, bounce_domain):
        self.directory = directory
        self.bounce_domain = bounce_domain
        self.count = len([f for f in os.listdir(directory) if f.endswith(".eml")])
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.bounce_domain and address.lower().endswith("@" + self.bounce_domain):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = os.path.join(self.directory, "%06d.eml" % self.count)
        head = "X-Envelope-To: %s\r\nX-Envelope-From: %s\r\nX-TLS: %s\r\n" % (
            ",".join(envelope.rcpt_tos), envelope.mail_from,
            "yes" if session.ssl is not None else "no")
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(name + ".tmp", "wb") as f:
            f.write(head.encode("ascii") + data)
        os.rename(name + ".tmp", name)
        return "250 Message accepted"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bounce-domain", default="")
    p.add_argument("--tls-cert", default="")
    p.add_argument("--tls-key", default="")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    port = a.port or free_port()
    kwargs = {}
    if a.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs = {"tls_context": context, "require_starttls": True}
    controller = Controller(Sink(a.dir, a.bounce_domain), hostname="127.0.0.1", port=port,
                            server_kwargs=kwargs)
    controller.start()
    print("port %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
