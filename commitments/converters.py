"""URL converters: OGP identifiers (CL0050, AP_CHL03) are letters, digits, '_', '.', '-'."""


class OGPIdentifierConverter:
    # Anything else (NUL bytes, spaces, slashes) cannot name a commitment or plan: a plain 404,
    # before the database is asked (PostgreSQL refuses NUL in a query parameter).
    regex = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
