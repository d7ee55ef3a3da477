"""Where e-mail goes when no EMAIL_URL is set (the demo, a first start): each message into a
file under var/mail/, and one log line saying to whom, what and which file. The console
backend printed whole messages, and an invoice's PDF attachment is thousands of lines of
base64 in the worker's output."""

import logging

from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger("evcms.mail")


class MailFolderBackend(EmailBackend):
    def write_message(self, message) -> None:
        super().write_message(message)
        logger.info("e-mail to %s: %r (kept in %s)", ", ".join(message.recipients()), message.subject, self._fname)
