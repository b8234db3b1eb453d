"""The people of the demo: the four demo logins and the UMKM of Banyumas with
their shops, in real kecamatan and desa. Plain data; `seed` turns it into rows."""

from dataclasses import dataclass

from marketplace.accounts.models import Role


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    name: str
    whatsapp: str
    role: Role


@dataclass(frozen=True)
class Shop:
    name: str
    owner: str
    kecamatan: str  # as seeded by the migration
    desa: str  # a desa (or kelurahan) of that kecamatan
    lines: tuple[str, ...]  # keys of catalogue.LINES
    about: str

    @property
    def place(self) -> str:
        """Purwokerto's four kecamatan are made of kelurahan; the rest of desa."""
        return "Kel." if self.kecamatan.startswith("Purwokerto") else "Desa"


@dataclass(frozen=True)
class Shopper:
    email: str
    name: str
    whatsapp: str
    kecamatan: str  # as seeded by the migration
    desa: str
    street: str


# fmt: off
# One password each, printed by `flask seed-demo`. The member login owns SHOPS[0].
LOGINS = (
    DemoLogin("pembeli@demo.aspikmas.id", "demo-pembeli", "Rina Kusumawati", "6281227310045",
              Role.SHOPPER),
    DemoLogin("anggota@demo.aspikmas.id", "demo-anggota", "Sri Rahayu", "6285726114082",
              Role.MEMBER),
    DemoLogin("bendahara@demo.aspikmas.id", "demo-bendahara", "Hadi Purnomo", "6281391550217",
              Role.TREASURER),
    DemoLogin("pengurus@demo.aspikmas.id", "demo-pengurus", "Bambang Sutrisno", "6282138840561",
              Role.ADMIN),
    DemoLogin("pendamping@demo.aspikmas.id", "demo-pendamping", "Nadia Putri Lestari",
              "6281542207391", Role.MENTOR),
)
MEMBER_LOGIN = LOGINS[1]
SHOPPER_LOGIN = LOGINS[0]
TREASURER_LOGIN = LOGINS[2]
MENTOR_LOGIN = LOGINS[4]

SHOPS = (
    Shop("Keripik Tempe Bu Sri", "Sri Rahayu", "Purwokerto Barat", "Pasir Kidul",
         ("tempe", "keripik"),
         "Keripik tempe sagu tipis dan renyah, dibuat setiap pagi dari tempe segar buatan "
         "sendiri."),
    Shop("Getuk Goreng Sokaraja Pak Darno", "Darno Wiryo", "Sokaraja", "Sokaraja Tengah",
         ("getuk", "nopia"),
         "Getuk goreng resep keluarga sejak 1985, digoreng dengan gula kelapa asli."),
    Shop("Batik Banyumasan Sekar", "Sekar Ayu Wulandari", "Sokaraja", "Sokaraja Lor",
         ("batik", "fashion"),
         "Batik tulis dan cap motif Banyumasan, dikerjakan pembatik perempuan Sokaraja."),
    Shop("Gula Kelapa Cilongok Makmur", "Slamet Riyadi", "Cilongok", "Rancamaya", ("gula",),
         "Kelompok penderes Rancamaya: gula kelapa cetak dan gula semut organik tanpa pengawet."),
    Shop("Kopi Lereng Slamet", "Tri Wahyuni", "Baturraden", "Kemutug Lor", ("kopi",),
         "Kopi robusta petik merah dari lereng selatan Gunung Slamet, disangrai sendiri."),
    Shop("Nopia Mino Sudagaran", "Muhammad Khoirul Anam", "Banyumas", "Sudagaran",
         ("nopia", "getuk"),
         "Nopia dan mino dipanggang di tungku gentong tanah liat, resep turun-temurun."),
    Shop("Anyaman Bambu Karya Tani", "Sukirman", "Purwojati", "Gerduren", ("bambu", "rumah"),
         "Besek, tampah dan keranjang bambu buatan tangan perajin Desa Gerduren."),
    Shop("Jamu Sehat Mbok Darmi", "Darmi Lestari", "Kembaran", "Ledug", ("jamu",),
         "Jamu tradisional dari rimpang segar, diracik tanpa bahan kimia."),
    Shop("Madu Klanceng Somagede", "Kasmirah", "Somagede", "Kemawi", ("madu", "tani"),
         "Madu klanceng dan madu randu dari peternakan lebah di kebun sendiri."),
    Shop("Gurame Kalibagor Jaya", "Budi Santoso", "Kalibagor", "Suro", ("ikan",),
         "Pembudidaya gurame dan nila, ikan dipanen segar sesuai pesanan."),
    Shop("Lele Asap Mina Sejahtera", "Nurhayati", "Kedungbanteng", "Beji", ("ikan",),
         "Kelompok wanita tani pengolah lele: lele asap, abon dan keripik kulit."),
    Shop("Kaos Ngapak Purwokerto", "Agus Prasetyo", "Purwokerto Utara", "Grendeng",
         ("fashion", "jasa"),
         "Kaos sablon kata-kata ngapak khas Banyumasan, juga menerima sablon pesanan."),
    Shop("Suvenir Bawor Kalisalak", "Waluyo", "Kebasen", "Kalisalak", ("kayu",),
         "Wayang, calung mini dan suvenir tokoh Bawor, ikon Banyumas."),
    Shop("Keripik Singkong Mak Nah", "Siti Nasiroh", "Ajibarang", "Pancurendang", ("keripik",),
         "Aneka keripik dari singkong, pisang dan talas hasil kebun tetangga."),
    Shop("Gula Semut Pekuncen Organik", "Ahmad Fauzi", "Pekuncen", "Semedo", ("gula",),
         "Gula semut bersertifikat organik dari nira kelapa petani Semedo."),
    Shop("Bumbu Sroto Mbok Sum", "Sumiyati", "Sokaraja", "Sokaraja Kulon", ("bumbu",),
         "Bumbu sroto Sokaraja dan sambal kacang siap saji untuk oleh-oleh."),
    Shop("Kebun Durian Bawor Pak Kasmo", "Kasmo Sudarto", "Kemranjen", "Sibalung", ("tani",),
         "Durian bawor, bibit unggul dan buah-buahan dari kebun Kemranjen."),
    Shop("Sabun Herbal Sekar Wangi", "Dewi Anggraeni", "Purwokerto Timur", "Arcawinangun",
         ("jamu", "rumah"),
         "Sabun, lulur dan minyak herbal dari bahan alami Banyumas."),
    Shop("Batik Tulis Papringan", "Suwarni", "Banyumas", "Papringan", ("batik",),
         "Sentra batik tulis Papringan dengan pewarna sogan dan indigo."),
    Shop("Sabut Kelapa Tambak Kreatif", "Parjono", "Tambak", "Gumelar Lor", ("rumah",),
         "Keset, sapu dan kerajinan dari sabut dan lidi kelapa."),
    Shop("Telur Asin Sumpiuh Barokah", "Ngatiyem", "Sumpiuh", "Kradenan", ("ikan", "tani"),
         "Telur asin bebek, telur ayam kampung dan hasil kebun."),
    Shop("Kopi Sumbang Arum", "Yusuf Hidayat", "Sumbang", "Limpakuwus", ("kopi", "gula"),
         "Kopi rakyat Limpakuwus dan gula aren dari hutan pinus Sumbang."),
    Shop("Rengginang Bu Tarsih", "Tarsih", "Wangon", "Klapagading", ("keripik",),
         "Rengginang, lanting dan camilan ketan khas Wangon."),
    Shop("Gula Kelapa Lumbir Sejahtera", "Rasimin", "Lumbir", "Cingebul", ("gula", "tani"),
         "Gula kelapa cetak batok dan rempah dari perbukitan Lumbir."),
    Shop("Dapur Bu Endang", "Endang Sulistyowati", "Purwokerto Utara", "Pabuwaran",
         ("jasa", "bumbu"),
         "Katering rumahan: nasi kotak, tumpeng dan jajan pasar untuk acara Anda."),
    Shop("Sale Pisang Gumelar", "Karsini", "Gumelar", "Cihonje", ("keripik", "tani"),
         "Sale pisang ambon dijemur matahari, tanpa gula tambahan."),
    Shop("Wayang Kayu Tinggarjaya", "Sugeng Riyanto", "Jatilawang", "Tinggarjaya", ("kayu",),
         "Wayang golek, topeng dan ukiran kayu karya perajin Jatilawang."),
    Shop("Mendoan Beku Mas Bayu", "Bayu Aji Pamungkas", "Karanglewas", "Pasir Wetan", ("tempe",),
         "Tempe mendoan siap goreng, dibekukan cepat agar tetap segar sampai di rumah."),
    Shop("Jahe Merah Instan Notog", "Umi Kulsum", "Patikraja", "Notog", ("jamu",),
         "Minuman rempah instan dari jahe merah dan temulawak petani Patikraja."),
    Shop("Tikar Pandan Tambaknegara", "Rukmini", "Rawalo", "Tambaknegara", ("bambu", "rumah"),
         "Tikar pandan dan anyaman bambu dari perajin tepi Sungai Serayu."),
    Shop("Sablon & Cetak Berkah Berkoh", "Eko Saputro", "Purwokerto Selatan", "Berkoh",
         ("jasa", "fashion"),
         "Cetak undangan, sablon kaos dan seragam komunitas, bisa pesan satuan."),
    Shop("Madu Hutan Baturraden", "Wahyu Nugroho", "Baturraden", "Karangsalam", ("madu",),
         "Madu hutan dan bee pollen dari lereng Baturraden."),
    Shop("Criping Pisang Bu Yati", "Suyati", "Kalibagor", "Kalicupak Lor", ("keripik",),
         "Criping pisang tanduk dan kepok, tipis, gurih dan manis."),
    Shop("Nila Segar Mina Tirta", "Heri Susanto", "Kembaran", "Karangsoka", ("ikan",),
         "Kolam air deras: nila, gurame dan olahan ikan beku."),
    Shop("Batik Lumbon Kejawar", "Lestari Handayani", "Banyumas", "Kejawar", ("batik", "fashion"),
         "Batik motif lumbon dan jahe srimpang, tersedia kain dan busana jadi."),
    Shop("Sambal Bu Rini", "Rini Astuti", "Purwokerto Timur", "Sokanegara", ("bumbu",),
         "Sambal botol dan bumbu masak rumahan, pedasnya bisa dipilih."),
    Shop("Besek Kecila Lestari", "Mujiono", "Kemranjen", "Kecila", ("bambu",),
         "Besek dan tampah bambu untuk hajatan dan kemasan oleh-oleh."),
    Shop("Kopi & Gula Aren Melung", "Tarno Hadi", "Kedungbanteng", "Melung", ("kopi", "gula"),
         "Kopi dan gula aren dari desa wisata Melung di kaki Gunung Slamet."),
    Shop("Jenang Jaket Pak Muh", "Muhyidin", "Banyumas", "Pekunden", ("nopia", "getuk"),
         "Jenang jaket dan nopia khas kota lama Banyumas."),
    Shop("Oleh-oleh Ajibarang Barokah", "Wartini", "Ajibarang", "Ajibarang Wetan",
         ("getuk", "keripik", "bumbu"),
         "Pusat oleh-oleh khas Banyumas di jalur selatan Ajibarang."),
)

# Where the shoppers live: the demo shopper first, then shoppers nobody logs
# in as, who place the other orders of the demo.
SHOPPERS = (
    Shopper("pembeli@demo.aspikmas.id", "Rina Kusumawati", "6281227310045",
            "Purwokerto Timur", "Mersi", "Jl. Prof. Dr. Suharso No. 21, RT 03/RW 05"),
    Shopper("andi.wijaya@demo.aspikmas.id", "Andi Wijaya", "6281325567810",
            "Purwokerto Utara", "Bobosan", "Jl. HR Bunyamin Gg. Mawar No. 7, RT 02/RW 04"),
    Shopper("dewi.puspitasari@demo.aspikmas.id", "Dewi Puspitasari", "6285640021963",
            "Sokaraja", "Karangnanas", "Jl. Raya Sokaraja–Banyumas Km 2, RT 01/RW 02"),
    Shopper("yoga.pratama@demo.aspikmas.id", "Yoga Pratama", "6282226781354",
            "Kembaran", "Bojongsari", "Perum Griya Bojongsari Blok C-12"),
    Shopper("lina.marlina@demo.aspikmas.id", "Lina Marlina", "6287837410926",
            "Purwokerto Selatan", "Karangklesem", "Jl. Gerilya Timur No. 45, RT 04/RW 01"),
    Shopper("fajar.nugraha@demo.aspikmas.id", "Fajar Nugraha", "6281391047725",
            "Baturraden", "Karangmangu", "Jl. Raya Baturraden No. 110, RT 05/RW 02"),
    Shopper("ratna.sari@demo.aspikmas.id", "Ratna Sari", "6285291638402",
            "Banyumas", "Kedunguter", "Jl. Mruyung No. 3, RT 02/RW 06"),
    Shopper("hendra.gunawan@demo.aspikmas.id", "Hendra Gunawan", "6289523310877",
            "Ajibarang", "Ajibarang Kulon", "Jl. Pancasan No. 18, RT 03/RW 03"),
    Shopper("nurul.aini@demo.aspikmas.id", "Nurul Aini", "6281902238514",
            "Cilongok", "Pernasidi", "Dusun Karangtengah, RT 06/RW 02"),
)

# Applications still waiting for the association's approval (no products yet).
APPLICANTS = (
    Shop("Keripik Talas Pageraji", "Rohmah", "Cilongok", "Pageraji", ("keripik",),
         "Keripik talas dan sukun, baru mulai berjualan online."),
    Shop("Sapu Ijuk Kaliwangi", "Sarwono", "Purwojati", "Kaliwangi", ("rumah",),
         "Sapu ijuk dan sapu lidi buatan tangan."),
)

# An application the association turned back (the applicant can correct it),
# and a member the association has suspended, with their reasons.
REJECTED_APPLICANT = Shop(
    "Emping Melinjo Karangtengah", "Warsito", "Cilongok", "Karangtengah", ("keripik",),
    "Emping melinjo tipis buatan ibu-ibu Karangtengah.",
)
REJECTION_REASON = (
    "Nomor rekening atas nama orang lain. Mohon pakai rekening atas nama pemilik usaha, "
    "lalu kirim ulang pengajuan."
)
SUSPENDED_SHOP = Shop(
    "Sablon Kaos Mas Dimas", "Dimas Prakoso", "Purwokerto Selatan", "Teluk", ("fashion",),
    "Sablon kaos satuan dan lusinan untuk komunitas dan sekolah.",
)
SUSPENSION_REASON = (
    "Tiga pembeli melaporkan pesanan belum dikirim lebih dari dua minggu. Toko dibekukan "
    "sementara sampai pesanan diselesaikan."
)
OPENING_HOURS = (
    "Senin–Sabtu 08.00–16.00, Minggu libur",
    "Setiap hari 07.00–17.00",
    "Senin–Jumat 08.00–15.00, Sabtu 08.00–12.00",
    "Setiap hari 09.00–20.00",
)
BANKS = ("BRI", "BNI", "Bank Mandiri", "Bank Jateng", "BSI (Bank Syariah Indonesia)", "BCA")

# Indonesian mobile prefixes after 62 (Telkomsel, Indosat, XL, Tri).
MOBILE_PREFIXES = (
    "812", "813", "821", "822", "823", "852", "853", "857", "858", "877", "878", "895", "896",
)
# fmt: on
