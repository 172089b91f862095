"""Source lists for the demo data: fictional dealers, real place names and Toyota model codes.

Nothing here may contain a tab, newline or backslash: generate.py writes these values into
PostgreSQL's COPY text format without escaping (tests/vehicles/test_seed_demo.py checks).
Postal codes and street numbers are plausible, not verified: the data is fictional.
"""

from __future__ import annotations

from typing import NamedTuple


class CompanySpec(NamedTuple):
    code: str
    name: str
    postal_address: str
    phone: str
    complaints_contact: str
    store_prefix: str
    areas: tuple[str, ...]  # keys of AREAS, in the order stores are opened


class Area(NamedTuple):
    store_name: str
    prefecture: str
    city: str
    plate: str  # 地名 on the plates registered here
    phone_area: str  # 市外局番
    towns: tuple[tuple[str, str], ...]  # (町名, 〒) where customers live


COMPANIES = (
    CompanySpec(
        "kanto", "トヨタモビリティ関東みらい株式会社", "〒108-0023 東京都港区芝浦3-9-1", "03-5400-7100",
        "mail-support@kanto.example.jp", "K",
        ("shinagawa", "yokohama", "omiya", "chiba", "nerima", "kawasaki", "tokorozawa", "funabashi",
         "adachi", "fujisawa", "hachioji", "sagamihara", "fuchu"),
    ),
    CompanySpec(
        "chubu", "中部トヨタカーライフ株式会社", "〒460-0003 愛知県名古屋市中区錦1-8-12", "052-201-3300",
        "mail-support@chubu.example.jp", "C",
        ("nagoya", "toyota", "komaki", "okazaki", "ichinomiya", "toyohashi"),
    ),
    CompanySpec(
        "kansai", "関西トヨタモビリティサービス株式会社", "〒530-0001 大阪府大阪市北区梅田2-4-9", "06-6345-2200",
        "mail-support@kansai.example.jp", "W",
        ("umeda", "kobe", "namba", "sakai", "himeji", "nishinomiya"),
    ),
)

AREAS: dict[str, Area] = {
    "shinagawa": Area("品川店", "東京都", "品川区", "品川", "03", (
        ("東品川", "140-0002"), ("北品川", "140-0001"), ("南品川", "140-0004"), ("大井", "140-0014"),
        ("西五反田", "141-0031"), ("戸越", "142-0041"), ("中延", "142-0053"))),
    "nerima": Area("練馬店", "東京都", "練馬区", "練馬", "03", (
        ("豊玉北", "176-0012"), ("石神井町", "177-0041"), ("大泉学園町", "178-0061"), ("光が丘", "179-0072"),
        ("関町北", "177-0051"))),
    "adachi": Area("足立店", "東京都", "足立区", "足立", "03", (
        ("千住", "120-0034"), ("西新井", "123-0841"), ("竹の塚", "121-0813"), ("綾瀬", "120-0005"),
        ("梅島", "121-0816"))),
    "hachioji": Area("八王子店", "東京都", "八王子市", "八王子", "042", (
        ("旭町", "192-0083"), ("明神町", "192-0046"), ("南大沢", "192-0364"), ("めじろ台", "193-0833"),
        ("北野町", "192-0906"))),
    "fuchu": Area("府中店", "東京都", "府中市", "多摩", "042", (
        ("府中町", "183-0055"), ("宮町", "183-0023"), ("是政", "183-0014"), ("紅葉丘", "183-0004"))),
    "yokohama": Area("横浜港北店", "神奈川県", "横浜市港北区", "横浜", "045", (
        ("新横浜", "222-0033"), ("日吉", "223-0061"), ("綱島西", "223-0053"), ("大倉山", "222-0037"),
        ("菊名", "222-0011"))),
    "kawasaki": Area("川崎中原店", "神奈川県", "川崎市中原区", "川崎", "044", (
        ("小杉町", "211-0063"), ("新丸子町", "211-0005"), ("木月", "211-0025"), ("上小田中", "211-0053"))),
    "sagamihara": Area("相模原店", "神奈川県", "相模原市中央区", "相模", "042", (
        ("相模原", "252-0231"), ("矢部", "252-0232"), ("淵野辺", "252-0206"), ("清新", "252-0216"))),
    "fujisawa": Area("藤沢店", "神奈川県", "藤沢市", "湘南", "0466", (
        ("藤沢", "251-0052"), ("鵠沼石上", "251-0025"), ("辻堂", "251-0047"), ("湘南台", "252-0804"),
        ("片瀬海岸", "251-0035"))),
    "omiya": Area("大宮店", "埼玉県", "さいたま市大宮区", "大宮", "048", (
        ("桜木町", "330-0854"), ("大門町", "330-0846"), ("宮町", "330-0802"), ("吉敷町", "330-0851"))),
    "tokorozawa": Area("所沢店", "埼玉県", "所沢市", "所沢", "04", (
        ("日吉町", "359-1123"), ("東町", "359-1124"), ("小手指町", "359-1141"), ("北秋津", "359-1143"))),
    "chiba": Area("千葉中央店", "千葉県", "千葉市中央区", "千葉", "043", (
        ("富士見", "260-0015"), ("新町", "260-0028"), ("中央", "260-0013"), ("松波", "260-0044"))),
    "funabashi": Area("船橋店", "千葉県", "船橋市", "習志野", "047", (
        ("本町", "273-0005"), ("湊町", "273-0011"), ("前原西", "274-0825"), ("夏見", "273-0865"))),
    "nagoya": Area("名古屋栄店", "愛知県", "名古屋市中区", "名古屋", "052", (
        ("栄", "460-0008"), ("錦", "460-0003"), ("大須", "460-0011"), ("丸の内", "460-0002"),
        ("千代田", "460-0012"))),
    "komaki": Area("小牧店", "愛知県", "小牧市", "尾張小牧", "0568", (
        ("小牧", "485-0041"), ("中央", "485-0029"), ("岩崎", "485-0011"), ("郷中", "485-0046"))),
    "toyota": Area("豊田店", "愛知県", "豊田市", "豊田", "0565", (
        ("挙母町", "471-0027"), ("若宮町", "471-0026"), ("小坂本町", "471-0034"), ("喜多町", "471-0025"))),
    "okazaki": Area("岡崎店", "愛知県", "岡崎市", "岡崎", "0564", (
        ("康生町", "444-0052"), ("羽根町", "444-0813"), ("大樹寺", "444-2121"), ("伊賀町", "444-0076"))),
    "ichinomiya": Area("一宮店", "愛知県", "一宮市", "一宮", "0586", (
        ("本町", "491-0859"), ("栄", "491-0858"), ("大江", "491-0853"), ("新生", "491-0912"))),
    "toyohashi": Area("豊橋店", "愛知県", "豊橋市", "豊橋", "0532", (
        ("駅前大通", "440-0888"), ("花田町", "440-0075"), ("向山町", "440-0864"), ("松葉町", "440-0897"))),
    "umeda": Area("梅田店", "大阪府", "大阪市北区", "大阪", "06", (
        ("梅田", "530-0001"), ("中崎", "530-0016"), ("天神橋", "530-0041"), ("南森町", "530-0054"),
        ("豊崎", "531-0072"))),
    "namba": Area("難波店", "大阪府", "大阪市浪速区", "なにわ", "06", (
        ("難波中", "556-0011"), ("日本橋", "556-0005"), ("元町", "556-0016"), ("桜川", "556-0022"))),
    "sakai": Area("堺店", "大阪府", "堺市堺区", "堺", "072", (
        ("中瓦町", "590-0028"), ("南瓦町", "590-0078"), ("三国ヶ丘御幸通", "590-0024"), ("熊野町東", "590-0944"))),
    "kobe": Area("神戸三宮店", "兵庫県", "神戸市中央区", "神戸", "078", (
        ("三宮町", "650-0021"), ("元町通", "650-0022"), ("琴ノ緒町", "651-0094"), ("北長狭通", "650-0012"))),
    "himeji": Area("姫路店", "兵庫県", "姫路市", "姫路", "079", (
        ("駅前町", "670-0927"), ("白銀町", "670-0903"), ("北条口", "670-0936"), ("西二階町", "670-0924"))),
    "nishinomiya": Area("西宮店", "兵庫県", "西宮市", "神戸", "0798", (
        ("甲子園町", "663-8152"), ("池田町", "662-0911"), ("今津曙町", "663-8226"), ("北口町", "663-8035"))),
}

# Where cars from elsewhere were registered before their owners moved (plates never change key).
FAR_PLATES = ("札幌", "仙台", "宇都宮", "群馬", "静岡", "京都", "広島", "福岡")

# Plate kana (domain §1): お し へ ん are never used; わ/れ mean rental; these ten commercial.
# The demo owner's first car: a Prius with the plate the README's search example uses.
DEMO_OWNER_MODEL = "MXWH60"
DEMO_PLATE = ("品川", "330", "さ", 1234)

PRIVATE_KANA = tuple("さすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるろ")
COMMERCIAL_KANA = tuple("あいうえかきくけこを")
RENTAL_KANA = ("わ", "れ")
# Lower two characters of the class number; a few use the letters allowed since 2018.
CLASS_SUFFIXES = (*(f"{n:02d}" for n in range(100)), "0A", "0C", "0F", "3A", "5A", "8A")


class ModelSpec(NamedTuple):
    code: str  # 型式 without the emissions prefix, as in the chassis number
    names: tuple[str, ...]  # one model code can carry several car names (ノア / ヴォクシー)
    start: tuple[int, int]  # first (year, month) sold
    end: tuple[int, int] | None  # last (year, month) sold; None = still sold
    vehicle_class: str  # vehicles.models.VehicleClass value
    plate_group: str  # class number prefix: 3/5 passenger, 4 small freight, 58/48 kei
    serial_start: int
    obd: bool  # type-approved from 2021-10: certificate remarks say OBD検査対象
    weight: float  # popularity among private owners (0: fleet only)
    era: str  # "old" (navi era), "dcm" (DCM standard), "oem" (Daihatsu/Subaru-built, no DCM)


MODELS = (
    ModelSpec("ZVW30", ("プリウス",), (2009, 5), (2015, 11), "passenger", "3", 1000083, False, 5, "old"),
    ModelSpec("ZVW50", ("プリウス",), (2015, 12), (2022, 12), "passenger", "3", 6000000, False, 8, "old"),
    ModelSpec("MXWH60", ("プリウス",), (2023, 1), None, "passenger", "3", 4000000, True, 3, "dcm"),
    ModelSpec("NHP10", ("アクア",), (2011, 12), (2021, 6), "passenger", "5", 2000000, False, 8, "old"),
    ModelSpec("MXPK11", ("アクア",), (2021, 7), None, "passenger", "5", 2000000, False, 5, "dcm"),
    ModelSpec("MXPA10", ("ヤリス",), (2020, 2), None, "passenger", "5", 2000000, False, 6, "dcm"),
    ModelSpec("KSP210", ("ヤリス",), (2020, 2), None, "passenger", "5", 45025, False, 2, "dcm"),
    ModelSpec("MXPJ10", ("ヤリス クロス",), (2020, 8), None, "passenger", "3", 1000000, False, 6, "dcm"),
    ModelSpec("MXAA54", ("RAV4",), (2019, 4), None, "passenger", "3", 4000000, False, 3, "dcm"),
    ModelSpec("AXAH54", ("RAV4",), (2019, 4), None, "passenger", "3", 4000000, False, 2, "dcm"),
    ModelSpec("AXVH70", ("カムリ",), (2017, 7), (2023, 12), "passenger", "3", 1000000, False, 2, "old"),
    ModelSpec("ZWR80", ("ノア", "ヴォクシー", "エスクァイア"), (2014, 1), (2021, 12), "passenger", "5", 100000, False, 6, "old"),
    ModelSpec("ZWR90", ("ノア", "ヴォクシー"), (2022, 1), None, "passenger", "3", 100000, True, 4, "dcm"),
    ModelSpec("AGH30", ("アルファード", "ヴェルファイア"), (2015, 1), (2023, 6), "passenger", "3", 1000, False, 3, "old"),
    ModelSpec("AGH40", ("アルファード", "ヴェルファイア"), (2023, 6), None, "passenger", "3", 4000000, True, 1.5, "dcm"),
    ModelSpec("ZSU60", ("ハリアー",), (2013, 12), (2020, 5), "passenger", "3", 1000, False, 2.5, "old"),
    ModelSpec("MXUA80", ("ハリアー",), (2020, 6), None, "passenger", "3", 1000, False, 3, "dcm"),
    ModelSpec("GDJ150", ("ランドクルーザー プラド",), (2015, 6), (2023, 10), "passenger", "3", 1000, False, 1, "old"),
    ModelSpec("VJA300", ("ランドクルーザー",), (2021, 8), None, "passenger", "3", 4000000, False, 0.4, "dcm"),
    ModelSpec("NSP170", ("シエンタ",), (2015, 7), (2022, 7), "passenger", "5", 7000000, False, 4, "old"),
    ModelSpec("MXPL10", ("シエンタ",), (2022, 8), None, "passenger", "5", 1000000, True, 3, "dcm"),
    ModelSpec("ZWE211", ("カローラ ツーリング",), (2019, 9), None, "passenger", "3", 6000000, False, 3, "dcm"),
    ModelSpec("NZE161", ("カローラ アクシオ",), (2012, 5), (2019, 9), "passenger", "5", 7000000, False, 2, "old"),
    ModelSpec("ZYX10", ("C-HR",), (2016, 12), (2023, 7), "passenger", "3", 2000000, False, 2, "old"),
    ModelSpec("MXGA10", ("カローラ クロス",), (2021, 9), None, "passenger", "3", 1000000, False, 2, "dcm"),
    ModelSpec("AZSH35", ("クラウン クロスオーバー",), (2022, 9), None, "passenger", "3", 1000000, True, 1, "dcm"),
    ModelSpec("ARS220", ("クラウン",), (2018, 6), (2022, 8), "passenger", "3", 1000000, False, 1, "dcm"),
    ModelSpec("XEAM10", ("bZ4X",), (2022, 5), None, "passenger", "3", 1000, True, 0.4, "dcm"),
    ModelSpec("ZN8", ("GR86",), (2021, 10), None, "passenger", "3", 10000, True, 0.4, "oem"),
    ModelSpec("M900A", ("ルーミー",), (2016, 11), None, "passenger", "5", 100000, False, 5, "oem"),
    ModelSpec("LA350A", ("ピクシス エポック",), (2017, 5), None, "kei_passenger", "58", 100000, False, 1.5, "oem"),
    ModelSpec("LA400A", ("コペン GR SPORT",), (2019, 10), None, "kei_passenger", "58", 1000, False, 0.2, "oem"),
    # Fleet models.
    ModelSpec("NTP10", ("JPN TAXI",), (2017, 10), None, "passenger", "5", 1000, False, 0, "dcm"),
    ModelSpec("NCP160", ("プロボックス",), (2014, 8), None, "freight_small", "4", 10000, False, 0, "old"),
    ModelSpec("KDH201", ("ハイエース バン",), (2008, 1), (2017, 11), "freight_small", "4", 500000, False, 0, "old"),
    ModelSpec("GDH201", ("ハイエース バン",), (2017, 12), None, "freight_small", "4", 1000000, False, 0, "dcm"),
    ModelSpec("S510U", ("ピクシス トラック",), (2014, 9), (2021, 11), "kei_freight", "48", 100000, False, 0, "oem"),
    ModelSpec("S700M", ("ピクシス バン",), (2021, 12), None, "kei_freight", "48", 1000, True, 0, "oem"),
)

# Fleet customers: (kind, vehicle use, model codes, min and max fleet size, share of customers).
FLEETS = (
    ("rental", "rental", ("MXPA10", "NHP10", "MXPK11", "ZVW50", "NSP170", "MXPL10", "ZWR80", "ZWR90",
                          "M900A", "MXPJ10", "ZWE211"), 3, 12, 0.004),
    ("taxi", "commercial", ("NTP10",), 2, 8, 0.003),
    ("business", "private", ("NCP160", "KDH201", "GDH201", "S510U", "S700M"), 1, 4, 0.006),
    ("transport", "commercial", ("KDH201", "GDH201", "NCP160"), 2, 6, 0.002),
)
FLEET_NAMES = {  # (name, kana, e-mail local part); {p}/{k}/{r} = prefix kanji/kana/romaji
    "rental": (("{p}レンタカー株式会社", "{k}レンタカー", "{r}-rentacar"),),
    "taxi": (("{p}交通株式会社", "{k}コウツウ", "{r}-kotsu"),),
    "business": (("株式会社{p}工務店", "{k}コウムテン", "{r}-koumuten"), ("{p}商事株式会社", "{k}ショウジ", "{r}-shoji"),
                 ("{p}設備工業株式会社", "{k}セツビコウギョウ", "{r}-setsubi")),
    "transport": (("{p}運輸株式会社", "{k}ウンユ", "{r}-unyu"),),
}
FLEET_PREFIXES = (
    ("さくら", "サクラ", "sakura"), ("みどり", "ミドリ", "midori"), ("ひかり", "ヒカリ", "hikari"), ("あおば", "アオバ", "aoba"),
    ("東和", "トウワ", "towa"), ("大和", "ヤマト", "yamato"), ("富士", "フジ", "fuji"), ("日の出", "ヒノデ", "hinode"),
    ("中央", "チュウオウ", "chuo"), ("共栄", "キョウエイ", "kyoei"), ("三和", "サンワ", "sanwa"), ("朝日", "アサヒ", "asahi"),
)

# Services by model and equipment (ServiceAvailability). "*" is the fallback per equipment;
# older navigation units cannot run e-Care.
AVAILABILITY = (
    ("*", "navi", True, True), ("*", "dcm_only", True, True), ("*", "none", False, False),
    *((code, "navi", True, False) for code in ("ZVW30", "NHP10", "NZE161", "ZSU60", "KDH201")),
)



def _triples(text: str) -> tuple[tuple[str, ...], ...]:
    """"漢字:カナ:romaji 漢字:カナ:romaji …" → ((漢字, カナ, romaji), …)."""
    return tuple(tuple(word.split(":")) for word in text.split())


# (kanji, kana, romaji), most common first (a Zipf-like weight is applied).
SURNAMES = _triples(
    "佐藤:サトウ:sato 鈴木:スズキ:suzuki 高橋:タカハシ:takahashi 田中:タナカ:tanaka 伊藤:イトウ:ito "
    "渡辺:ワタナベ:watanabe 山本:ヤマモト:yamamoto 中村:ナカムラ:nakamura 小林:コバヤシ:kobayashi 加藤:カトウ:kato "
    "吉田:ヨシダ:yoshida 山田:ヤマダ:yamada 佐々木:ササキ:sasaki 山口:ヤマグチ:yamaguchi 松本:マツモト:matsumoto "
    "井上:イノウエ:inoue 木村:キムラ:kimura 林:ハヤシ:hayashi 斎藤:サイトウ:saito 清水:シミズ:shimizu "
    "山崎:ヤマザキ:yamazaki 森:モリ:mori 池田:イケダ:ikeda 橋本:ハシモト:hashimoto 阿部:アベ:abe "
    "石川:イシカワ:ishikawa 山下:ヤマシタ:yamashita 中島:ナカジマ:nakajima 石井:イシイ:ishii 小川:オガワ:ogawa "
    "前田:マエダ:maeda 岡田:オカダ:okada 長谷川:ハセガワ:hasegawa 藤田:フジタ:fujita 後藤:ゴトウ:goto "
    "近藤:コンドウ:kondo 村上:ムラカミ:murakami 遠藤:エンドウ:endo 青木:アオキ:aoki 坂本:サカモト:sakamoto "
    "斉藤:サイトウ:saito 福田:フクダ:fukuda 太田:オオタ:ota 西村:ニシムラ:nishimura 藤井:フジイ:fujii "
    "金子:カネコ:kaneko 岡本:オカモト:okamoto 藤原:フジワラ:fujiwara 中野:ナカノ:nakano 三浦:ミウラ:miura "
    "原田:ハラダ:harada 中川:ナカガワ:nakagawa 松田:マツダ:matsuda 竹内:タケウチ:takeuchi 小野:オノ:ono "
    "田村:タムラ:tamura 中山:ナカヤマ:nakayama 和田:ワダ:wada 石田:イシダ:ishida 森田:モリタ:morita "
    "上田:ウエダ:ueda 原:ハラ:hara 内田:ウチダ:uchida 柴田:シバタ:shibata 酒井:サカイ:sakai "
    "宮崎:ミヤザキ:miyazaki 横山:ヨコヤマ:yokoyama 高木:タカギ:takagi 安藤:アンドウ:ando 宮本:ミヤモト:miyamoto "
    "大野:オオノ:ono 小島:コジマ:kojima 谷口:タニグチ:taniguchi 今井:イマイ:imai 工藤:クドウ:kudo "
    "高田:タカダ:takada 増田:マスダ:masuda 丸山:マルヤマ:maruyama 杉山:スギヤマ:sugiyama 村田:ムラタ:murata "
    "大塚:オオツカ:otsuka 新井:アライ:arai 小山:コヤマ:koyama 平野:ヒラノ:hirano 藤本:フジモト:fujimoto "
    "河野:カワノ:kawano 上野:ウエノ:ueno 野口:ノグチ:noguchi 武田:タケダ:takeda 松井:マツイ:matsui "
    "千葉:チバ:chiba 岩崎:イワサキ:iwasaki 菅原:スガワラ:sugawara 木下:キノシタ:kinoshita 久保:クボ:kubo "
    "佐野:サノ:sano 野村:ノムラ:nomura 松尾:マツオ:matsuo 市川:イチカワ:ichikawa 菊地:キクチ:kikuchi"
)
MALE_NAMES = _triples(
    "翔太:ショウタ:shota 大輔:ダイスケ:daisuke 健太:ケンタ:kenta 拓也:タクヤ:takuya 直樹:ナオキ:naoki "
    "誠:マコト:makoto 浩:ヒロシ:hiroshi 隆:タカシ:takashi 健一:ケンイチ:kenichi 和也:カズヤ:kazuya "
    "達也:タツヤ:tatsuya 大樹:ダイキ:daiki 翔:ショウ:sho 蓮:レン:ren 悠真:ユウマ:yuma 陽翔:ハルト:haruto "
    "湊:ミナト:minato 大和:ヤマト:yamato 一郎:イチロウ:ichiro 修:オサム:osamu 茂:シゲル:shigeru "
    "清:キヨシ:kiyoshi 勝:マサル:masaru 正人:マサト:masato 裕介:ユウスケ:yusuke 亮:リョウ:ryo "
    "雄一:ユウイチ:yuichi 秀樹:ヒデキ:hideki 哲也:テツヤ:tetsuya 剛:ツヨシ:tsuyoshi 学:マナブ:manabu "
    "聡:サトシ:satoshi 健二:ケンジ:kenji 浩二:コウジ:koji 康弘:ヤスヒロ:yasuhiro 拓海:タクミ:takumi "
    "涼太:リョウタ:ryota 颯太:ソウタ:sota 和夫:カズオ:kazuo 義男:ヨシオ:yoshio"
)
FEMALE_NAMES = _triples(
    "陽子:ヨウコ:yoko 恵子:ケイコ:keiko 京子:キョウコ:kyoko 幸子:サチコ:sachiko 裕子:ユウコ:yuko "
    "直美:ナオミ:naomi 由美子:ユミコ:yumiko 真由美:マユミ:mayumi 美穂:ミホ:miho 愛:アイ:ai 彩:アヤ:aya "
    "舞:マイ:mai 美咲:ミサキ:misaki 陽菜:ヒナ:hina 結衣:ユイ:yui さくら:サクラ:sakura 葵:アオイ:aoi "
    "花子:ハナコ:hanako 明美:アケミ:akemi 久美子:クミコ:kumiko 智子:トモコ:tomoko 香織:カオリ:kaori "
    "恵:メグミ:megumi 美香:ミカ:mika 千尋:チヒロ:chihiro 奈々:ナナ:nana 沙織:サオリ:saori 由紀:ユキ:yuki "
    "明子:アキコ:akiko 真理子:マリコ:mariko 典子:ノリコ:noriko 理恵:リエ:rie 早紀:サキ:saki 遥:ハルカ:haruka "
    "凛:リン:rin 芽衣:メイ:mei 杏:アン:an 洋子:ヨウコ:yoko 和子:カズコ:kazuko"
)
# Customers who read English (language "en"): name, kana, e-mail local part.
FOREIGN_NAMES = (
    ("John Smith", "ジョン スミス", "john.smith"), ("Emily Brown", "エミリー ブラウン", "emily.brown"),
    ("Michael Johnson", "マイケル ジョンソン", "m.johnson"), ("Sarah Wilson", "サラ ウィルソン", "sarah.w"),
    ("David Lee", "デイビッド リー", "david.lee"), ("Nguyen Van An", "グエン ヴァン アン", "nguyen.an"),
    ("Maria Santos", "マリア サントス", "maria.santos"), ("Wang Wei", "ワン ウェイ", "wang.wei"),
    ("Kim Minji", "キム ミンジ", "minji.kim"), ("Thomas Meyer", "トーマス マイヤー", "t.meyer"),
)
# E-mail domains: subdomains of reserved example domains, so nothing is ever delivered.
MAIL_DOMAINS = ("docomo.example.jp", "ezweb.example.jp", "softbank.example.jp", "gmail.example.com",
                "yahoo.example.jp", "icloud.example.com", "outlook.example.com", "nifty.example.jp")
BUILDINGS = ("コーポさくら", "グランメゾン", "ハイツ緑が丘", "パークハウス", "サンライズマンション",
             "メゾン・ド・ソレイユ", "シティハイツ", "エクセル", "ヴィラ若葉", "レジデンス桜")
MOBILE_PREFIXES = ("090", "080", "070")

CONSENT_SOURCES = ("店頭の同意書", "MyTOYOTA+ アプリ", "Webフォーム")
OPT_OUT_SOURCE = "ワンクリック配信停止"
