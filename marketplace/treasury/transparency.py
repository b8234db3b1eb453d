"""The public transparency page (/transparansi): per closed month, the
commission the market collected and how it went to member empowerment, the
central office and each kecamatan chapter. Totals only, no personal data,
and only closed months, whose numbers never change: they are read from the
month totals written when each month closed (treasury.monthly).

Anyone may open it. It needs no Redis: it is not cached (closed months are
read from their month totals, so the page costs a fixed handful of queries
whatever the size of the ledger)."""

from flask import Blueprint, render_template

from marketplace.catalog import previews
from marketplace.core.page_meta import indexable
from marketplace.treasury import monthly

blueprint = Blueprint("transparency", __name__)


DESCRIPTION = (
    "Komisi setiap pembelian di Pasar Aspikmas mendanai pemberdayaan UMKM anggota, kantor pusat, "
    "dan 27 cabang kecamatan Aspikmas Banyumas. Lihat jumlahnya setiap bulan."
)


@blueprint.get("/transparansi")
@indexable
def index():
    return render_template(
        "treasury/transparency.html",
        report=monthly.transparency(),
        page_meta=previews.page_meta(
            title="Ke mana komisi Pasar Aspikmas pergi",
            description=DESCRIPTION,
            endpoint="transparency.index",
        ),
    )
