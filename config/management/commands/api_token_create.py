"""Issue an API token for a login from the shell (staff, scripts, first token of an app)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.api.tokens import api_token_create


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (it is stored hashed: this is the only time it is shown)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, help="Days until it expires (default API_TOKEN_TTL_DAYS).")

    def handle(self, *args, username, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username!r}.")
        try:
            token, key = api_token_create(user=user, expires_in=None if days is None else timedelta(days=days))
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(key)
        self.stderr.write(f"Expires {token.expiry:%Y-%m-%d %H:%M} UTC; id {token.token_key}.")
