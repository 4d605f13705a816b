"""RQ job: send one stored e-mail (domain.mail); a duplicate job sends nothing."""

from __future__ import annotations

from domain import mail
from jobs.joblog import logged_job


@logged_job
def send_mail(mail_id: int) -> str:
    return mail.send(mail_id)
