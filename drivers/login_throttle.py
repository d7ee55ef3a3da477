"""How the login throttle (django-axes, configured in settings) names an attempt: the
account as typed, normalised, and the client address. Every password login (portal and
admin) goes through it."""


def login_name(request, credentials: dict | None) -> str:
    """The account an attempt is counted against: the login name, trimmed and lower-cased,
    so that `Ada@Example.com ` and `ada@example.com` share one count."""
    if credentials and credentials.get("username") is not None:
        raw = credentials["username"]
    else:
        raw = getattr(request, "POST", {}).get("username", "") if request is not None else ""
    return normalised_login_name(str(raw))


def normalised_login_name(username: str) -> str:
    return username.strip().lower()[:254]


def client_address(request) -> str:
    """REMOTE_ADDR: uvicorn (--proxy-headers) sets it from X-Forwarded-For only when the
    request came through a proxy in FORWARDED_ALLOW_IPS, so a client cannot choose it."""
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""
