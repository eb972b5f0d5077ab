"""Who is signed in: sessions, CSRF, the development sign-in, OpenID Connect, roles."""
