"""Made-up organisations of the demo: armed groups, criminal networks, companies and charities.

All names are invented for the demo; any likeness to a real organisation is chance.
"""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.model.records import OrganisationKind


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    owner: str
    kind: OrganisationKind
    countries: tuple[str, ...]
    names: tuple[str, ...]  # the first is the primary name; the others are aliases in other scripts or spellings
    description: str
    address: str | None = None


_T = OrganisationKind.TERRORIST_GROUP
_C = OrganisationKind.CRIMINAL_ORGANISATION
_B = OrganisationKind.COMPANY
_H = OrganisationKind.CHARITY

#: Interleaved by kind, so that a small demo still has some of each.
ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "UZ-NCB",
        _T,
        ("UZB", "SYR", "AFG"),
        ("Jamaat Nur al-Sharq", "جماعة نور الشرق", "Джамаат Нур аш-Шарк"),
        "Armed group recruiting in the Fergana valley; fighters sent through Turkey to Syria.",
    ),
    DemoOrganisation(
        "KG-NCB",
        _C,
        ("KGZ", "TJK", "KAZ"),
        ("Osh Heroin Syndicate", "Ошский героиновый синдикат"),
        "Moves Afghan heroin from the Tajik border through Osh to Kazakhstan and Russia.",
    ),
    DemoOrganisation(
        "KZ-FIU",
        _B,
        ("KAZ",),
        ("Zhetisu Silkway Logistics LLP", "ТОО «Жетысу Силквэй Логистикс»"),
        "Freight forwarder; invoices do not match declared cargo.",
        "Raiymbek Avenue 412, Almaty",
    ),
    DemoOrganisation(
        "TR-NCB",
        _H,
        ("TUR", "SYR"),
        ("Rahmat al-Ghuraba Aid Society", "جمعية رحمة الغرباء للإغاثة", "Garipler Rahmet Yardım Derneği"),
        "Collects donations for 'orphans'; funds traced to fighters' families in Idlib.",
        "Şehitkamil, Gaziantep",
    ),
    DemoOrganisation(
        "TJ-NCB",
        _T,
        ("TJK", "AFG"),
        ("Katibat Saif al-Furqan", "كتيبة سيف الفرقان", "Катибат Сайф аль-Фуркан"),
        "Small armed unit on the Tajik-Afghan border; smuggles weapons across the Panj.",
    ),
    DemoOrganisation(
        "CARICC",
        _C,
        ("TJK", "KGZ", "UZB", "KAZ", "RUS"),
        ("Pamir Transit Group", "Памирская транзитная группировка"),
        "Runs couriers and lorries along the Pamir highway; launders through car dealerships.",
    ),
    DemoOrganisation(
        "UZ-NCB",
        _B,
        ("UZB", "TUR"),
        ("Zarafshon Textile Export LLC", "ООО «Зарафшон Текстайл Экспорт»"),
        "Exports cotton yarn to Turkey; front for transfers to Jamaat Nur al-Sharq.",
        "Chilonzor district, Tashkent",
    ),
    DemoOrganisation(
        "KZ-NCB",
        _H,
        ("KAZ", "KGZ"),
        ("Bereke Umit Public Fund", "Общественный фонд «Береке Умит»"),
        "Registered charity whose collection boxes fund the travel of recruits.",
        "Abai Street 77, Shymkent",
    ),
    DemoOrganisation(
        "DE-NCB",
        _T,
        ("DEU", "TUR", "SYR"),
        ("Ansar al-Wahda Network", "شبكة أنصار الوحدة", "Netzwerk Ansar al-Wahda"),
        "Online recruitment and logistics cell with members in Germany and Turkey.",
    ),
    DemoOrganisation(
        "KZ-NCB",
        _C,
        ("KAZ", "RUS"),
        ("Semirechye Brotherhood", "Братва Семиречья", "Bratva Semirechya"),
        "Extortion, illegal gold trade and forged documents in southern Kazakhstan.",
    ),
    DemoOrganisation(
        "KZ-FIU",
        _B,
        ("KAZ", "ARE"),
        ("Altyn Kopir Exchange LLP", "ТОО «Алтын Копир Эксчейндж»"),
        "Currency exchange office; thousands of structured cash deposits under the reporting limit.",
        "Dostyk Avenue 190, Almaty",
    ),
    DemoOrganisation(
        "TJ-NCB",
        _H,
        ("TJK",),
        ("Mehr-u Shafqat Foundation", "Фонди «Меҳру шафқат»", "Фонд «Мехр у Шафкат»"),
        "Charity in Kulob; cash couriers carry its donations to Afghanistan.",
        "Kulob",
    ),
    DemoOrganisation(
        "TR-NCB",
        _T,
        ("TUR", "SYR", "IRQ"),
        ("Junud al-Tawhid Brigade", "لواء جنود التوحيد", "Cunud et-Tevhid Tugayı"),
        "Foreign fighter brigade of Central Asian and Turkish members.",
    ),
    DemoOrganisation(
        "DE-NCB",
        _C,
        ("DEU", "TUR", "NLD"),
        ("Rhein-Main Document Ring", "Dokumentenring Rhein-Main"),
        "Sells stolen and forged passports and residence permits to smugglers.",
    ),
    DemoOrganisation(
        "TR-NCB",
        _B,
        ("TUR", "SYR"),
        ("Anadolu Kervan Dış Ticaret Ltd. Şti.", "Anadolu Kervan Foreign Trade Ltd."),
        "Trading company in Gaziantep; pays suppliers in Syria through hawala.",
        "Şahinbey, Gaziantep",
    ),
    DemoOrganisation(
        "UZ-NCB",
        _H,
        ("UZB",),
        ("Yetim Qalb Charitable Fund", "Благотворительный фонд «Етим Калб»", "Yetim Qalb xayriya jamg'armasi"),
        "Charity for orphans whose accounts pay for flights of recruits.",
        "Namangan",
    ),
    DemoOrganisation(
        "KG-NCB",
        _T,
        ("KGZ", "UZB", "SYR"),
        ("Movement of the Fergana Mujahideen", "Движение моджахедов Ферганы", "حركة مجاهدي فرغانة"),
        "Armed group active in the Kyrgyz part of the Fergana valley.",
    ),
    DemoOrganisation(
        "CARICC",
        _C,
        ("TJK", "AFG", "UZB"),
        ("Panj River Couriers", "Пянджские курьеры"),
        "Carries opiates across the Panj river in small boats.",
    ),
    DemoOrganisation(
        "KG-NCB",
        _B,
        ("KGZ", "CHN"),
        ("Ala-Too Auto Import LLC", "ОсОО «Ала-Тоо Авто Импорт»"),
        "Imports used cars; the cars carry concealed drugs on the return trip.",
        "Jibek Jolu Avenue 5, Bishkek",
    ),
    DemoOrganisation(
        "DE-NCB",
        _H,
        ("DEU", "TUR"),
        ("Hilfswerk Brücke der Hoffnung e.V.", "Bridge of Hope Relief Association"),
        "Association whose donations reach a foreign fighter brigade.",
        "Offenbach am Main",
    ),
    DemoOrganisation(
        "CARICC",
        _T,
        ("AFG", "TJK", "UZB"),
        ("Wilayat Khurasan al-Wusta Cell", "خلية ولاية خراسان الوسطى"),
        "Recruits labour migrants from Central Asia in Russia.",
    ),
    DemoOrganisation(
        "TR-NCB",
        _C,
        ("TUR", "BGR", "GRC"),
        ("Anatolian Crescent Gang", "Anadolu Hilal Çetesi"),
        "Smuggles migrants across the land border to Bulgaria and Greece.",
    ),
    DemoOrganisation(
        "KZ-NCB",
        _B,
        ("KAZ", "RUS"),
        ("Caspian Fuel Services LLP", "ТОО «Каспиан Фьюэл Сервисез»"),
        "Fuel trader in Atyrau; pays kickbacks through shell companies.",
        "Atyrau",
    ),
    DemoOrganisation(
        "TJ-NCB",
        _C,
        ("TJK", "RUS"),
        ("Kulob Brothers", "Кулябские братья"),
        "Family clan running money transfers and drug couriers between Tajikistan and Moscow.",
    ),
    DemoOrganisation(
        "UZ-NCB",
        _T,
        ("UZB", "AFG"),
        ("Tawhid Fergana Battalion", "كتيبة توحيد فرغانة", "Батальон «Таухид Фергана»"),
        "Splinter unit of Jamaat Nur al-Sharq based in northern Afghanistan.",
    ),
    DemoOrganisation(
        "KZ-FIU",
        _B,
        ("KAZ", "TUR"),
        ("Nomad Crypto Hub LLP", "ТОО «Номад Крипто Хаб»"),
        "Crypto-asset exchanger without customer checks; used to move donations abroad.",
        "Astana Hub, Astana",
    ),
    DemoOrganisation(
        "DE-NCB",
        _C,
        ("DEU", "RUS", "KAZ"),
        ("Spätaussiedler Car Ring", "Автокольцо «Переселенцы»"),
        "Steals luxury cars in Germany and ships them to Kazakhstan.",
    ),
    DemoOrganisation(
        "KG-NCB",
        _H,
        ("KGZ",),
        ("Ak Niet Social Fund", "Общественный фонд «Ак Ниет»"),
        "Fund of a mosque community; treasurer sends cash to Syria.",
        "Osh",
    ),
    DemoOrganisation(
        "TJ-NCB",
        _B,
        ("TJK", "AFG"),
        ("Sughd Dry Fruit Trading", "ҶДММ «Суғд Меваи Хушк»", "ООО «Согд Сухофрукты»"),
        "Dried-fruit exporter; lorries cross to Afghanistan empty and return loaded.",
        "Khujand",
    ),
    DemoOrganisation(
        "CARICC",
        _C,
        ("KAZ", "RUS", "UZB"),
        ("Steppe Synthetics Network", "Сеть «Степная синтетика»"),
        "Makes synthetic drugs in rented houses and sells them through messenger shops.",
    ),
)
