"""The mailbox domain: the emails rewardkit sends (templates, an org's own templates, the `mail.send`
job) and the development mail catcher (`/dev/mail`). The SMTP client itself is kit/mail.py.
docs/email.md."""
