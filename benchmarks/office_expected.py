"""What the office corpus's README says each file should give, for the office benchmarks.

Top-level headings are the README's (from the file's outline, printed contents or visible
headings; numbering as printed). ``TWO_COLUMN_PROBES`` are phrases that run over a line break
inside one column of the two-column files: a reader that mixes the columns, or puts a pull quote
inside a word split at a line end, breaks them. They are compared without spaces, case or
hyphens, and a probe counts only if every place its first words occur goes on as the probe (the
Haparanda brochure prints a spread twice: one good copy must not hide a broken one).
"""

from __future__ import annotations

TOP_HEADINGS: dict[str, list[str]] = {
    "adda-avropsvagledning-it-konsulttjanster-2021.pdf": [
        "1 Inledning", "2 Omfattning", "3 Leverantörer på ramavtalet", "4 Avrop från ramavtalet",
        "5 Generella prisvillkor", "6 Fakturering och förfallotid", "7 Övriga villkor", "8 Uppföljning",
        "9 Bilageförteckning för avropsstöd",
    ],
    "adda-upphandlingsdokument-it-konsulttjanster-2021.pdf": [
        "1. Inbjudan och allmän information", "2. Administrativa krav", "3. Prövning och utvärdering",
        "4. Krav på tjänsten", "5. Utvärderingskriterier", "6. Priser", "7. Ramavtalsutkast",
        "8. Allmänna kontraktsvillkor",
    ],
    "molndalsbostader-avropsforfragan-fastighetssystem-2024.pdf": [
        "1. Inledning", "2. Avropande myndighet", "3. Avropsförfrågans omfattning",
        "4. Förutsättningar för anbudsinlämning", "5. Kravspecifikation", "6. Utvärdering av anbud",
        "7. Tilldelningsbeslut", "8. Personuppgiftsbehandling", "9. Pris", "10.Ramavtalsleverantör",
        "11. Bilagor till avropsförfrågan",
    ],
    "botkyrka-kommun-avropsforfragan-it-konsult.pdf": [
        "1. Inledning", "2. Avropande myndighet", "3. Avropsförfrågans omfattning",
        "4. Förutsättningar för anbudsinlämning", "5. Kravspecifikation", "6. Utvärdering av anbud",
        "7. Tilldelningsbeslut", "8. Pris", "10.Ramavtalsleverantör", "11. Bilagor till avropsförfrågan",
    ],
    "haparanda-klimatstrategi-2020-2050.pdf": [
        "Förord", "Varför en klimatstrategi?", "Visionen om Hållbara Haparanda", "Klimathjältar",
        "Nulägesbeskrivning", "Mål till 2020–2050", "Hållbara Haparanda inom en snar framtid",
    ],
    "olofstrom-handlingsplan-klimat-energi-2023.pdf": [
        "Bakgrund", "Arbetsgrupp", "Åtgärdsplan", "1. Minskad energianvändning", "2. Förnybar energi",
        "3. Transporter", "4. Engagera flera",
    ],
    "nfs-2007-10-naturvardsverket-inventering-rovdjur.pdf": [
        "Tillämpningsområde och definitioner", "Organisation och utbildning", "Sekretess",
        "Dokumentation i databas", "Metoder för inventering av kungsörn", "Utbildningens organisation",
    ],
    "afs-2011-19-kemiska-arbetsmiljorisker.pdf": [
        "Syfte och tillämpningsområde", "Definitioner", "Undersökning och riskbedömning",
        "Dokumentation och information", "Skyldigheter att vidta vissa särskilda åtgärder och följa förbud",
        "Särskilda krav för allergiframkallande kemiska produkter",
    ],
    "prop-2008-09-5-byggplatsdirektiv.pdf": [
        "1 Förslag till riksdagsbeslut", "2 Lagtext", "3 Ärendet och dess beredning", "4 Gällande rätt m.m.",
        "5 Byggherren", "14 Författningskommentar",
    ],
    "prop-2013-14-104-encrypted.pdf": [
        "Propositionens huvudsakliga innehåll", "1 Förslag till riksdagsbeslut", "2 Lagtext",
        "13 Författningskommentar",
    ],
    "prop-1999-2000-17-custom-encoding.pdf": [
        "Propositionens huvudsakliga innehåll", "1 Förslag till riksdagsbeslut", "2 Lagtext",
        "3 Ärendet och dess beredning",
    ],
    "statskalender-1939-riksdagen-ocr-excerpt.pdf": ["Riksdagen", "Första kammaren"],
    "adda-mall-avropsforfragan-it-konsulttjanster-2021.docx": [
        "Inledning", "Avropande myndighet", "Avropsförfrågans omfattning", "Förutsättningar för anbudsinlämning",
        "Kravspecifikation", "Utvärdering av anbud", "Tilldelningsbeslut", "Personuppgiftsbehandling", "Pris",
        "10.Ramavtalsleverantör", "11. Bilagor till avropsförfrågan",
    ],
    "adda-allmanna-kontraktsvillkor-it-konsulttjanster-2021.docx": [
        "Kontraktshandlingar och dess inbördes ordning", "Leverantörens åtagande",
        "Om leverantören bryter om kontraktet", "Grunder för förtida uppsägning", "Ansvar och ansvarsbegränsningar",
        "Inget anställningsförhållande", "Den upphandlande myndighetens åtaganden", "Priser och rätt till ersättning",
        "Fakturering och förfallotid", "Överlåtelse av kontrakt", "Ändringar och tillägg till kontraktet",
        "Force Majeure", "Meddelanden", "Lagval och tvister",
    ],
    "vaxholms-stad-avropsforfragan-resursuppdrag-2024.docx": [
        "Inledning", "Avropande myndighet", "Avropsförfrågans omfattning", "Förutsättningar för anbudsinlämning",
        "Kravspecifikation", "Utvärdering av anbud", "Tilldelningsbeslut", "Personuppgiftsbehandling", "Pris",
        "10.Ramavtalsleverantör", "11. Bilagor till avropsförfrågan",
    ],
    "prop-2012-13-144-sjofartsstodets-inriktning.docx": [
        "Förslag till riksdagsbeslut", "Ärendet och dess beredning", "Sjöfartsstödets inriktning",
    ],
}

TWO_COLUMN_PROBES: dict[str, list[str]] = {
    "haparanda-klimatstrategi-2020-2050.pdf": [
        "måste om framtida generationer ska kunna möta sina behov med lika goda förutsättningar",
        "beslutat om en Klimat- och energistrategi som fastslår mål om en ekonomiskt hållbar tillväxt",
        "Sverige har ratificerat EU:s mål men har högre målsättning om 40 procents reduktion",
        "Vision 2020 fastslår att HaparandaTornio skall ha en hållbar livsmiljö",
    ],
    "statskalender-1939-riksdagen-ocr-excerpt.pdf": [
        "Lagtima riksdag skall, i kraft av rikets regeringsform, sammanträda varje år den 10 januari",
        "Första kammarens ledamöter äro 150 och väljas för åtta år, räknade från och med januari månads början",
        "Flera landstingsområden kunna sammanföras i en valkrets; men ej må landstingsområde delas å skilda",
        "Wistrand, Karl Knutsson, fd. Direktör [976], f. 89; 38 (adr. Stockholm)",
        "Källman, Gustaf Wilhelm, fd. Kommunalkamrerare, f. 77; 39 (adr. Sundbyberg)",
    ],
}
