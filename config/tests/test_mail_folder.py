"""Without EMAIL_URL, e-mail is kept in files with one log line each, not printed whole."""

import logging

from django.core import mail
from django.core.mail import EmailMessage


def test_a_message_with_an_attachment_is_kept_in_a_file_and_logged_in_one_line(settings, tmp_path, caplog):
    settings.EMAIL_BACKEND = "config.mail.MailFolderBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = EmailMessage("Your invoice 2026-0001", "Attached.", to=["driver01@example.com"])
    message.attach("invoice.pdf", b"%PDF-1.7 " + b"x" * 50_000, "application/pdf")

    with caplog.at_level(logging.INFO, logger="evcms.mail"):
        assert mail.get_connection().send_messages([message]) == 1

    [kept] = list((tmp_path / "mail").iterdir())
    assert "Your invoice 2026-0001" in kept.read_text()
    [line] = [record.getMessage() for record in caplog.records if record.name == "evcms.mail"]
    assert line.startswith("e-mail to driver01@example.com: 'Your invoice 2026-0001'")
    assert str(kept) in line
    assert len(line) < 300
