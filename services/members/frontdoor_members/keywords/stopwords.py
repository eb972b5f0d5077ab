"""Stop words added to YAKE's own lists for Danish, Norwegian and Dutch.

YAKE's Danish list has 63 words and lacks "det", "at", "er", "har"; its Norwegian list was saved in
the wrong encoding ("før" reads "fÛr"). These are the Snowball project's lists (as PostgreSQL's
text search ships them; BSD licence, Copyright (c) 2001 Dr Martin Porter, (c) 2004-2005 Richard
Boulton), used together with YAKE's.
"""

from __future__ import annotations

DA_TEXT = (
    "ad af alle alt anden at blev blive bliver da de dem den denne der deres det dette dig din disse "
    "dog du efter eller en end er et for fra ham han hans har havde have hende hendes her hos hun "
    "hvad hvis hvor i ikke ind jeg jer jo kunne man mange med meget men mig min mine mit mod ned "
    "noget nogle nu når og også om op os over på selv sig sin sine sit skal skulle som sådan thi til "
    "ud under var vi vil ville vor være været"
)

NO_TEXT = (
    "alle at av bare begge ble blei bli blir blitt både båe da de deg dei deim deira deires dem den "
    "denne der dere deres det dette di din disse ditt du dykk dykkar då eg ein eit eitt eller elles "
    "en enn er et ett etter for fordi fra før ha hadde han hans har hennar henne hennes her hjå ho "
    "hoe honom hoss hossen hun hva hvem hver hvilke hvilken hvis hvor hvordan hvorfor i ikke ikkje "
    "ingen ingi inkje inn inni ja jeg kan kom korleis korso kun kunne kva kvar kvarhelst kven kvi "
    "kvifor man mange me med medan meg meget mellom men mi min mine mitt mot mykje ned no noe noen "
    "noka noko nokon nokor nokre nå når og også om opp oss over på samme seg selv si sia sidan siden "
    "sin sine sitt sjøl skal skulle slik so som somme somt så sånn til um upp ut uten var vart varte "
    "ved vere verte vi vil ville vore vors vort vår være vært å"
)

NL_TEXT = (
    "aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus een "
    "eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in "
    "is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om "
    "omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren was "
    "wat werd wezen wie wil worden wordt zal ze zelf zich zij zijn zo zonder zou"
)

SNOWBALL: dict[str, frozenset[str]] = {
    "da": frozenset(DA_TEXT.split()),
    "no": frozenset(NO_TEXT.split()),
    "nl": frozenset(NL_TEXT.split()),
}
