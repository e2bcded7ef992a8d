"""E-mail notifications: events of the commerce outbox turned into mails by `marketplace notify`."""
