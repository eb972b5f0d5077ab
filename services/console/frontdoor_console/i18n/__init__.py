"""Languages: gettext catalogues (compiled when the console starts) and the user's locale."""
