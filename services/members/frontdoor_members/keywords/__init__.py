"""Keywords of the dossier's free text (issue 15: what is going on in the country)."""
