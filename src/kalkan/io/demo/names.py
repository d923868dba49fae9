"""Given names, surnames and places of the demo's regions, in Latin and in their own script.

Every combination the demo draws from these lists is made up; any likeness to a real
person is chance.
"""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.model.names import Script


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"Rustam=Рустам; Aziz=Азиз"`` -> ``(("Rustam", "Рустам"), ("Aziz", "Азиз"))``."""
    out = []
    for item in text.split(";"):
        latin, _, original = item.strip().partition("=")
        out.append((latin.strip(), original.strip()))
    return tuple(out)


def _latin(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((name.strip(), "") for name in text.split(";"))


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a demo person comes from: names, script, nationalities and places of birth."""

    key: str
    nationalities: tuple[str, ...]
    script: Script  # of the original-script names; LATIN when there are none
    lang: str
    male: tuple[tuple[str, str], ...]  # (Latin, original script); original "" for Latin-only origins
    female: tuple[tuple[str, str], ...]
    surnames: tuple[tuple[str, str], ...]  # male forms
    places: tuple[str, ...]
    nisba: tuple[str, str]  # the "al-Uzbeki" a fighter's nom de guerre takes, Latin and Arabic
    slavic_style: bool = False  # surname first, gendered surname, patronymic

    def female_surname(self, surname: tuple[str, str]) -> tuple[str, str]:
        latin, original = surname
        if self.slavic_style and latin.endswith(("ov", "ev", "in")):
            return latin + "a", original + "а"
        return surname


ORIGINS: dict[str, Origin] = {
    "uz": Origin(
        "uz",
        ("UZB",),
        Script.CYRILLIC,
        "uz",
        _pairs(
            "Rustam=Рустам; Aziz=Азиз; Jamshid=Джамшид; Sardor=Сардор; Bakhodir=Баходир; Ulugbek=Улугбек; Otabek=Отабек;"
            " Sherzod=Шерзод; Davron=Даврон; Farrukh=Фаррух; Akmal=Акмал; Anvar=Анвар; Shavkat=Шавкат; Timur=Тимур;"
            " Abdulaziz=Абдулазиз; Bekzod=Бекзод; Jasur=Жасур; Nodir=Нодир"
        ),
        _pairs(
            "Dilnoza=Дилноза; Gulnora=Гульнора; Nilufar=Нилуфар; Shakhnoza=Шахноза; Malika=Малика; Nargiza=Наргиза;"
            " Feruza=Феруза; Madina=Мадина; Zarina=Зарина; Kamola=Камола; Sevara=Севара; Dildora=Дильдора"
        ),
        _pairs(
            "Karimov=Каримов; Yusupov=Юсупов; Rakhimov=Рахимов; Tursunov=Турсунов; Ismoilov=Исмоилов; Kholmatov=Холматов;"
            " Mirzaev=Мирзаев; Akhmedov=Ахмедов; Ergashev=Эргашев; Nurmatov=Нурматов; Abdullaev=Абдуллаев; Jalolov=Жалолов;"
            " Usmonov=Усмонов; Sobirov=Собиров; Tokhirov=Тохиров; Khasanov=Хасанов; Mamadaliev=Мамадалиев; Kodirov=Кодиров"
        ),
        ("Tashkent", "Namangan", "Andijan", "Fergana", "Samarkand", "Bukhara", "Kokand", "Margilan"),
        ("al-Uzbeki", "الأوزبكي"),
        slavic_style=True,
    ),
    "kz": Origin(
        "kz",
        ("KAZ",),
        Script.CYRILLIC,
        "kk",
        _pairs(
            "Nurlan=Нурлан; Yerlan=Ерлан; Azamat=Азамат; Daulet=Даулет; Serik=Серик; Bauyrzhan=Бауыржан; Aslan=Аслан;"
            " Marat=Марат; Kairat=Кайрат; Dauren=Даурен; Arman=Арман; Yerzhan=Ержан; Askar=Аскар; Timur=Тимур"
        ),
        _pairs(
            "Aigerim=Айгерим; Aizhan=Айжан; Dinara=Динара; Gulnar=Гульнар; Saule=Сауле; Aliya=Алия; Zhanar=Жанар;"
            " Asel=Асель; Madina=Мадина; Kamila=Камила"
        ),
        _pairs(
            "Zhumabaev=Жумабаев; Nurlanov=Нурланов; Abenov=Абенов; Sadykov=Садыков; Omarov=Омаров; Tokhtarov=Тохтаров;"
            " Serikbaev=Серикбаев; Akhmetov=Ахметов; Bekov=Беков; Iskakov=Искаков; Kassymov=Касымов;"
            " Mukhamedzhanov=Мухамеджанов; Yessenov=Есенов; Baimukhanov=Баймуханов"
        ),
        ("Almaty", "Shymkent", "Taraz", "Astana", "Turkistan", "Aktobe", "Atyrau", "Kyzylorda"),
        ("al-Kazakhi", "الكازاخي"),
        slavic_style=True,
    ),
    "tj": Origin(
        "tj",
        ("TJK",),
        Script.CYRILLIC,
        "tg",
        _pairs(
            "Farhod=Фарход; Davlat=Давлат; Sukhrob=Сухроб; Firdavs=Фирдавс; Shahriyor=Шахриёр; Umed=Умед; Bakhtiyor=Бахтиёр;"
            " Rustam=Рустам; Jamshed=Джамшед; Ilhom=Илхом; Parviz=Парвиз; Khurshed=Хуршед; Behruz=Бехруз"
        ),
        _pairs(
            "Nigina=Нигина; Firuza=Фируза; Manizha=Манижа; Tahmina=Тахмина; Zarina=Зарина; Mehrangez=Мехрангез;"
            " Sitora=Ситора; Parvina=Парвина"
        ),
        _pairs(
            "Rahmonov=Рахмонов; Davlatov=Давлатов; Sharipov=Шарипов; Saidov=Саидов; Nazarov=Назаров; Mirzoev=Мирзоев;"
            " Safarov=Сафаров; Rahimzoda=Рахимзода; Saidzoda=Саидзода; Nazarzoda=Назарзода; Kurbonov=Курбонов;"
            " Odinaev=Одинаев; Boboev=Бобоев"
        ),
        ("Dushanbe", "Khujand", "Kulob", "Bokhtar", "Istaravshan", "Panjakent", "Vahdat"),
        ("al-Tajiki", "الطاجيكي"),
        slavic_style=True,
    ),
    "kg": Origin(
        "kg",
        ("KGZ",),
        Script.CYRILLIC,
        "ky",
        _pairs(
            "Azamat=Азамат; Bakyt=Бакыт; Nurbek=Нурбек; Temirlan=Темирлан; Erlan=Эрлан; Almaz=Алмаз; Kanat=Канат;"
            " Talant=Талант; Mirlan=Мирлан; Ulan=Улан; Chyngyz=Чынгыз; Adilet=Адилет"
        ),
        _pairs(
            "Aizada=Айзада; Nurgul=Нургуль; Cholpon=Чолпон; Gulzat=Гульзат; Aigul=Айгуль; Begimai=Бегимай; Zhyldyz=Жылдыз; Meerim=Мээрим"
        ),
        _pairs(
            "Toktogulov=Токтогулов; Asanov=Асанов; Usenov=Усенов; Mamytov=Мамытов; Abdrakhmanov=Абдрахманов;"
            " Sydykov=Сыдыков; Zhumaliev=Жумалиев; Bakirov=Бакиров; Osmonov=Осмонов; Zhoroev=Жороев;"
            " Imanaliev=Иманалиев; Beishenov=Бейшенов"
        ),
        ("Bishkek", "Osh", "Jalal-Abad", "Karakol", "Batken", "Naryn", "Tokmok", "Uzgen"),
        ("al-Kyrgyzi", "القرغيزي"),
        slavic_style=True,
    ),
    "ru": Origin(
        "ru",
        ("RUS",),
        Script.CYRILLIC,
        "ru",
        _pairs(
            "Aleksandr=Александр; Ivan=Иван; Oleg=Олег; Roman=Роман; Maksim=Максим; Artyom=Артём; Denis=Денис;"
            " Vadim=Вадим; Konstantin=Константин; Viktor=Виктор; Anton=Антон; Yegor=Егор; Stanislav=Станислав; Ruslan=Руслан"
        ),
        _pairs(
            "Olga=Ольга; Yelena=Елена; Anna=Анна; Natalya=Наталья; Svetlana=Светлана; Irina=Ирина; Tatyana=Татьяна;"
            " Yekaterina=Екатерина; Marina=Марина"
        ),
        _pairs(
            "Ivanov=Иванов; Petrov=Петров; Smirnov=Смирнов; Kuznetsov=Кузнецов; Volkov=Волков; Morozov=Морозов;"
            " Sokolov=Соколов; Lebedev=Лебедев; Orlov=Орлов; Novikov=Новиков; Fyodorov=Фёдоров; Belov=Белов;"
            " Zaitsev=Зайцев; Pavlov=Павлов"
        ),
        ("Moscow", "Orenburg", "Omsk", "Novosibirsk", "Yekaterinburg", "Kazan", "Astrakhan", "Samara"),
        ("al-Rusi", "الروسي"),
        slavic_style=True,
    ),
    "ar": Origin(
        "ar",
        ("SYR", "IRQ", "JOR"),
        Script.ARABIC,
        "ar",
        _pairs(
            "Ahmad=أحمد; Mohammed=محمد; Omar=عمر; Khalid=خالد; Yusuf=يوسف; Ibrahim=إبراهيم; Abdullah=عبد الله; Hamza=حمزة;"
            " Mustafa=مصطفى; Tariq=طارق; Ali=علي; Hassan=حسن; Hussein=حسين; Bilal=بلال; Saad=سعد; Faisal=فيصل; Ziad=زياد;"
            " Karim=كريم"
        ),
        _pairs("Fatima=فاطمة; Aisha=عائشة; Mariam=مريم; Zainab=زينب; Layla=ليلى; Huda=هدى; Amina=أمينة; Noor=نور; Rana=رنا; Samira=سميرة"),
        _pairs(
            "al-Hassan=الحسن; al-Masri=المصري; al-Tamimi=التميمي; al-Shammari=الشمري; al-Obeidi=العبيدي; al-Qahtani=القحطاني;"
            " al-Zahrani=الزهراني; Haddad=حداد; Khalil=خليل; Darwish=درويش; Mansour=منصور; Saleh=صالح; al-Jubouri=الجبوري;"
            " al-Dulaimi=الدليمي; Nasser=ناصر; al-Rawi=الراوي; al-Ani=العاني; Hamdan=حمدان"
        ),
        ("Raqqa", "Mosul", "Deir ez-Zor", "Aleppo", "Zarqa", "Homs", "Fallujah", "Idlib"),
        ("al-Shami", "الشامي"),
    ),
    "tr": Origin(
        "tr",
        ("TUR",),
        Script.LATIN,
        "tr",
        _latin("Mehmet; Ahmet; Mustafa; Emre; Burak; Murat; Hakan; Serkan; Yusuf; Oğuz; Kerem; Furkan"),
        _latin("Ayşe; Fatma; Elif; Zeynep; Merve; Esra; Büşra; Hatice"),
        _latin("Yılmaz; Kaya; Demir; Şahin; Çelik; Yıldız; Aydın; Öztürk; Arslan; Doğan; Kılıç; Aslan; Koç; Kurt"),
        ("Istanbul", "Gaziantep", "Konya", "Şanlıurfa", "Ankara", "Adana", "Kayseri", "Bursa"),
        ("al-Turki", "التركي"),
    ),
    "de": Origin(
        "de",
        ("DEU",),
        Script.LATIN,
        "de",
        _latin("Maximilian; Lukas; Jonas; Tobias; Florian; Sebastian; Dennis; Marco; Kevin; Sven; Daniel; Patrick"),
        _latin("Lena; Laura; Julia; Sarah; Anna; Katharina; Sandra; Melanie"),
        _latin("Müller; Schneider; Fischer; Weber; Wagner; Becker; Hoffmann; Schulz; Koch; Richter; Klein; Wolf; Neumann; Braun"),
        ("Frankfurt am Main", "Hamburg", "Berlin", "Dortmund", "Bremen", "Offenbach am Main", "Wuppertal", "Bonn"),
        ("al-Almani", "الألماني"),
    ),
}

#: Noms de guerre: "Abu Hamza", with the origin's nisba added ("Abu Hamza al-Uzbeki").
KUNYAS = _pairs(
    "Abu Hamza=أبو حمزة; Abu Muslim=أبو مسلم; Abu Bakr=أبو بكر; Abu Yusuf=أبو يوسف; Abu Umar=أبو عمر;"
    " Abu Khalid=أبو خالد; Abu Usama=أبو أسامة; Abu Dujana=أبو دجانة"
)

#: Other spellings of Arabic given names, as they appear in passports and lists.
ARABIC_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Mohammed": ("Muhammad", "Mohamed", "Mohammad"),
    "Yusuf": ("Youssef", "Yousef"),
    "Hussein": ("Husayn", "Hussain"),
    "Omar": ("Umar",),
    "Abdullah": ("Abdallah",),
    "Ahmad": ("Ahmed",),
    "Khalid": ("Khaled",),
    "Mustafa": ("Mostafa",),
    "Hassan": ("Hasan",),
    "Tariq": ("Tarek",),
    "Ziad": ("Ziyad",),
    "Faisal": ("Faysal",),
}

#: Transliterations of Cyrillic names differ by system and by country: (pattern, replacement).
TRANSLITERATION_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"aev\b", "ayev"),
    (r"oev\b", "oyev"),
    (r"iev\b", "iyev"),
    (r"\bKh", "H"),
    (r"kh", "h"),
    (r"\bJ", "Dzh"),
    (r"\bDzh", "J"),
    (r"\bZh", "J"),
    (r"\bYu", "Iu"),
    (r"\bYe", "E"),
    (r"ov\b", "off"),
)
