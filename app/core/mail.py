"""Optional e-mail: when MAIL_SERVER is set, notifications are also sent by SMTP.

Mails are queued in the transaction and sent only after it commits (a rolled-back change
sends nothing), in a background thread so that a slow mail server never slows a page. The
app works the same without any mail settings.
"""

import smtplib
import threading
from email.message import EmailMessage

from flask import current_app

from app.core.logsafe import clean
from app.extensions import db


def enabled() -> bool:
    """Mail needs a server and BASE_URL: links in mails never come from a request's Host."""
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("BASE_URL"))


def outbox() -> list:
    return db.session.info.setdefault("outbox", [])


def queue(to_address: str, subject: str, body: str) -> None:
    if enabled() and to_address:
        outbox().append((to_address, subject, body))


def _message(config: dict, to_address: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to_address
    message["Subject"] = " ".join(subject.split())[:200]  # no CR/LF can reach the header
    message.set_content(body)
    return message


def _deliver(config: dict, mails: list, logger) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            for to_address, subject, body in mails:
                smtp.send_message(_message(config, to_address, subject, body))
    except Exception as error:  # noqa: BLE001 - whatever fails, in-app notifications stand
        logger.warning("mail not sent to %d recipients: %s", len(mails), clean(error))


def send_queued(background: bool | None = None) -> None:
    """After a commit: send what the transaction queued (in the foreground for CLI tasks,
    whose process may end before a background thread has sent anything)."""
    mails = list(outbox())
    outbox().clear()
    if not mails or not enabled():
        return
    config = {key: current_app.config.get(key) for key in (
        "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD",
        "MAIL_FROM")}
    logger = current_app.logger
    if background is None:
        background = current_app.config.get("MAIL_BACKGROUND", True)
    if background:
        threading.Thread(target=_deliver, args=(config, mails, logger), daemon=True).start()
    else:
        _deliver(config, mails, logger)
