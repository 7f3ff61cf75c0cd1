"""The Bantuan guide: what the desk, a Kepala Dusun (and every liaison officer), the Kepala Desa
and the admin do, step by step, in the SOP's own words; one text for the page (/bantuan/) and
its printable PDF.

The guide is the village's Indonesian document, like the SOP it quotes, so its text is written
in Indonesian here rather than as message ids. What it must not do is drift from the screens:
a step's paragraph takes its button's name from the workflow (``workflow.STEPS[...].action``,
translated into Indonesian when the guide is shown), and tests/test_help.py checks that every
step form has its paragraph, which the form links to (``#langkah-<step>``).
"""

from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext

from app.core import workflow
from app.documents.letterhead import letterhead


@dataclass(frozen=True)
class Item:
    """One paragraph: a title, what to do (one line per sentence or tap), the SOP's words."""

    anchor: str
    title: str
    lines: tuple
    sop: str = ""
    step: str | None = None  # the workflow step whose form links here
    picture: str = ""  # a small phone screenshot in app/static/help/ (help_screenshots.py)

    def button(self):
        """The step's button as the screen names it, in Indonesian."""
        if self.step is None:
            return None
        with force_locale("id"):
            return gettext(workflow.STEPS[self.step].action)


@dataclass(frozen=True)
class Part:
    """What one role does."""

    anchor: str
    title: str
    who: str
    items: tuple = field(default=())


def _step(step, title, lines, sop="", picture=""):
    return Item(f"langkah-{step}", title, tuple(lines), sop, step, picture)


DESK = Part("petugas", "Petugas Pengelola Pengaduan (desk)",
            "Menerima, mencatat, memverifikasi, meneruskan pengaduan dan menyampaikan hasilnya "
            "kepada pengadu.", (
    Item("mencatat", "Mencatat pengaduan yang masuk", (
        "Buka menu Register → Register pengaduan, lalu tombol Tambah (+).",
        "Isi saluran (tatap muka, kotak pengaduan, HP/WA, email, website), identitas pengadu "
        "dan uraian pengaduan: apa, di mana, kapan.",
        "Setelah disimpan, nomor register dan kode lacak tampil di atas; tekan "
        "«Cetak tanda terima» dan berikan kepada pengadu.",
        "Pengaduan dari website desa masuk sendiri ke register; email dari kotak masuk "
        "didaftarkan dengan «Daftarkan sebagai pengaduan» (menu Register → Kotak masuk).",
    ), "SOP D.1-2: semua pengaduan diterima oleh petugas pengelola pengaduan dan dicatat ke "
       "dalam buku pengaduan; memberi tanda terima kepada pelapor."),
    _step("verify", "Verifikasi awal", (
        "Buka pengaduan dari Register pengaduan atau Tugas saya, lalu tekan tombol langkah ini.",
        "Periksa unsur pengaduan: identitas pengadu lengkap dan obyek pengaduan jelas.",
        "Tentukan jenis, kategori dan urgensi; tandai rahasia bila pengadu memintanya.",
    ), "SOP: melakukan verifikasi awal terhadap isi pengaduan, menentukan klasifikasi dan "
       "urgensi permasalahan.", "verifikasi.png"),
    _step("request_completion", "Bila pengaduan belum lengkap", (
        "Tulis apa yang kurang; pengadu membacanya di halaman cek status.",
        "Tenggat berhenti sampai kelengkapan diterima.",
    ), "SOP B: identitas pengadu lengkap (nama, alamat, nomor telepon/HP) dan obyek "
       "pengaduan harus jelas."),
    _step("complete", "Mencatat kelengkapan dari pengadu", (
        "Bila pengadu melengkapi lewat kantor atau telepon, catat apa yang dilengkapi.",
        "Pengaduan kembali ke status diterima dan dapat diverifikasi.",
    )),
    _step("reject", "Menolak pengaduan", (
        "Hanya bila tidak dilengkapi, di luar kewenangan desa, atau sama dengan pengaduan lain.",
        "Tulis alasannya dengan kata yang mudah dipahami pengadu.",
    )),
    _step("forward", "Meneruskan kepada petugas penghubung", (
        "Pilih petugas penghubung yang berwenang sesuai bidang tugasnya.",
        "Petugas itu mendapat pemberitahuan dan melihat pengaduan di Tugas saya.",
        "Beberapa pengaduan sekaligus: centang di Register pengaduan, lalu pilih tindakan "
        "«Teruskan ke petugas».",
    ), "SOP D.2: mendistribusikan kepada tim penjawab aduan.", "teruskan.png"),
    _step("schedule_meeting", "Rapat pembahasan (jika diperlukan)", (
        "Tentukan tanggal, tempat, petugas yang hadir dan pihak yang diundang.",
        "Setelah rapat: menu Register → Rapat pembahasan, buka rapatnya, tekan «Catat berita "
        "acara»; hasil per pengaduan menyelesaikan pengaduan itu.",
        "«PDF berita acara» mencetak berita acara untuk ditandatangani.",
    ), "SOP D.3: berkoordinasi dengan petugas penghubung dan membuat jadwal "
       "pertemuan/pembahasan (jika diperlukan)."),
    _step("extend_deadline", "Memperpanjang tenggat", (
        "Sekali per pengaduan, dengan jumlah hari kerja dan alasan yang dibaca pengadu.",
    )),
    _step("inform", "Menyampaikan hasil kepada pengadu", (
        "Setelah pengaduan selesai, ditolak atau dilimpahkan.",
        "Pilih saluran (WhatsApp, telepon, surat, email), periksa pesannya, lalu simpan.",
    ), "SOP D.4: menyampaikan hasil/jawaban atas aduan pengadu dan/atau pihak terkait."),
    _step("reopen", "Bila pengadu menyatakan belum selesai", (
        "Pengaduan berstatus «Diminta dibuka kembali»; buka kembali dengan catatan untuk "
        "pengadu, dan bila perlu pilih petugas lain.",
    )),
    _step("keep_closed", "Tetap menutup pengaduan", (
        "Bila permintaan membuka kembali tidak beralasan; tulis alasannya untuk pengadu.",
    )),
    Item("laporan", "Laporan dan statistik", (
        "Menu Laporan → Dasbor: angka dan grafik per periode.",
        "«Laporan (PDF)» untuk Kepala Desa, «Buku register (PDF)» sebagai buku pengaduan.",
    ), "SOP D.5: mendokumentasikan, menyusun laporan dan statistik pengelolaan pengaduan "
       "kepada Kepala Desa."),
))

LIAISON = Part("kepala-dusun", "Kepala Dusun dan petugas penghubung",
               "Sekretaris Desa, Kasi, Kaur, Kepala Dusun dan staf Kasi: menindaklanjuti "
               "pengaduan yang diteruskan kepadanya.", (
    Item("tugas", "Melihat pengaduan yang diteruskan", (
        "Buka Tugas saya (ikon lonceng) atau Register pengaduan: di ponsel tampil sebagai kartu.",
        "Buka pengaduan untuk membaca uraian, lampiran dan riwayatnya.",
    ), "SOP F: penanggung jawab dalam menerima, mengkoordinasikan, mengkonsultasikan dan "
       "menindaklanjuti pengaduan.", picture="tugas.png"),
    _step("note", "Mencatat perkembangan", (
        "Tulis apa yang sudah dikerjakan; centang «Tampilkan di halaman status publik» hanya "
        "untuk yang boleh dibaca pengadu.",
        "Foto sebelum/sesudah ditambahkan di bagian Lampiran halaman pengaduan.",
    ), "Alur pelayanan 3: memantau perkembangan penyelesaian pengaduan.", "catatan.png"),
    _step("resolve", "Menyelesaikan pengaduan", (
        "Pilih jenis hasil: penyelesaian administratif, tindakan korektif, atau rekomendasi "
        "kebijakan.",
        "Tulis apa yang dilakukan, dan catatan untuk pengadu dengan kata yang mudah dipahami.",
        "Petugas pengelola lalu menyampaikan hasilnya kepada pengadu.",
    ), "Alur pelayanan 5: output berupa penyelesaian administratif, tindakan korektif atau "
       "rekomendasi kebijakan.", "selesaikan.png"),
    _step("refer", "Melimpahkan ke instansi di atasnya", (
        "Bila penyelesaian bukan kewenangan desa: tulis instansinya (kecamatan, kabupaten).",
    ), "SOP F: menindaklanjuti pengaduan baik kepada Pemerintah Desa maupun kepada instansi "
       "diatasnya."),
))

HEAD = Part("kepala-desa", "Kepala Desa",
            "Menerima hasil verifikasi, laporan dan statistik; tidak mengubah catatan.", (
    Item("dasbor", "Membaca dasbor dan laporan", (
        "Menu Laporan → Dasbor: pengaduan per status, kategori, dusun dan ketepatan waktu.",
        "«Laporan (PDF)» dan «Laporan tahunan (PDF)» untuk arsip dan musyawarah desa.",
    ), "SOP D.5: laporan dan statistik pengelolaan pengaduan kepada Kepala Desa Babakan.",
       picture="dasbor.png"),
    Item("membaca", "Membaca register dan berita acara", (
        "Register pengaduan dan Rapat pembahasan dapat dibuka; identitas pengadu rahasia "
        "tidak ditampilkan.",
    ), "Alur pelayanan 3: menyampaikan hasil verifikasi kepada Kepala Desa atau Sekretaris "
       "Desa."),
))

ADMIN = Part("admin", "Admin",
             "Menyiapkan petugas dan data induk; tidak menangani pengaduan sehari-hari.", (
    Item("petugas", "Petugas dan login", (
        "Menu Data induk → Petugas, lalu «Tambah petugas beserta loginnya»: jabatan, dusun dan "
        "peran (petugas pengelola, petugas penghubung, Kepala Desa).",
        "Petugas yang berhenti dinonaktifkan; pengaduannya diserahkan kepada petugas lain.",
    ), "SOP E: petugas penghubung terdiri dari Sekretaris Desa, Kasi, Kaur, Kepala Dusun, "
       "staf Kasi."),
    Item("data-induk", "Data induk", (
        "Kategori, Dusun, Tingkat tenggat, Hari libur dan cuti bersama, Templat jawaban.",
    )),
    Item("pengawasan", "Pengawasan dan data pribadi", (
        "Log audit dan Log akses identitas: siapa mengubah atau membaca apa.",
        "Kotak keluar: pesan yang gagal terkirim dapat dikirim ulang.",
        "Masa simpan data pribadi: berapa tahun identitas disimpan setelah pengaduan ditutup.",
    )),
))

PARTS = (DESK, LIAISON, HEAD, ADMIN)


def items():
    """Every paragraph of the guide."""
    return [item for part in PARTS for item in part.items]


def guide_pdf():
    """The guide as a short A4 PDF for the village office."""
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, ListFlowable, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9.5, leading=12.5)
    quote = ParagraphStyle("quote", parent=body, fontSize=8.5, leading=11, leftIndent=10,
                           fontName="Helvetica-Oblique")
    title = ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=13,
                           alignment=1, spaceBefore=8, spaceAfter=6)
    part_style = ParagraphStyle("part", parent=body, fontName="Helvetica-Bold", fontSize=11.5,
                                spaceBefore=10, spaceAfter=2)
    item_style = ParagraphStyle("item", parent=body, fontName="Helvetica-Bold", spaceBefore=5)

    story = letterhead() + [Paragraph("PANDUAN SINGKAT SISTEM PENGADUAN DESA", title)]
    for part in PARTS:
        story += [Paragraph(escape(part.title), part_style), Paragraph(escape(part.who), body)]
        for item in part.items:
            heading = escape(item.title)
            if item.button():
                heading += f" — tombol «{escape(item.button())}»"
            block = [Paragraph(heading, item_style),
                     ListFlowable([Paragraph(escape(line), body) for line in item.lines],
                                  bulletType="bullet", start="•", leftIndent=12,
                                  bulletFontSize=8)]
            if item.sop:
                block.append(Paragraph(escape(item.sop), quote))
            story.append(KeepTogether(block))
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title="Panduan singkat sistem pengaduan desa")
    doc.build(story)
    return buffer.getvalue()
