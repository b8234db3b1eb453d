"""What a save changed on a member's product, said in Indonesian, for
whoever edits it on the member's behalf: a chapter officer
(`catalog.assisted`) or a campus mentor on their own draft
(`mentoring.drafts`). The history row, the member's email and the WhatsApp
message all read these words, so the member learns the same thing whoever
made the change.

Seen before and after: the caller holds the product for the edit first
(`services.hold_for_edit`), so "before" is what the edit replaces, not a
stock a sale changed a moment earlier."""

from dataclasses import dataclass

from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.money import format_rupiah


@dataclass(frozen=True)
class Seen:
    """What the member would notice of a product."""

    name: str
    category: str
    description: str
    unit: str
    weight_grams: int | None
    status: ProductStatus
    variants: dict[int, tuple[str, int, int]]  # id -> (name, price, stock)

    @classmethod
    def of(cls, product: Product) -> "Seen":
        return cls(
            name=product.name,
            category=product.category.name,
            description=product.description,
            unit=product.unit,
            weight_grams=product.weight_grams,
            status=ProductStatus(product.status),
            variants={v.id: (v.name or "Standar", v.price, v.stock) for v in product.variants},
        )


def _grams(weight: int | None) -> str:
    return "kosong" if weight is None else f"{weight} g"


def _variant_changes(before: Seen, after: Seen) -> list[str]:
    """One variant: "harga diubah …"; several: "harga Pedas diubah …"."""
    said = []
    several = len(before.variants) > 1 or len(after.variants) > 1
    for variant_id, (name, price, stock) in after.variants.items():
        if variant_id not in before.variants:
            said.append(f"varian {name} ditambahkan ({format_rupiah(price)}, stok {stock})")
            continue
        old_name, old_price, old_stock = before.variants[variant_id]
        label = f" {name}" if several else ""
        if name != old_name:
            said.append(f"varian {old_name} diganti nama menjadi {name}")
        if price != old_price:
            said.append(
                f"harga{label} diubah dari {format_rupiah(old_price)} "
                f"menjadi {format_rupiah(price)}"
            )
        if stock != old_stock:
            said.append(f"stok{label} diubah dari {old_stock} menjadi {stock}")
    said += [
        f"varian {name} dihapus"
        for variant_id, (name, _, _) in before.variants.items()
        if variant_id not in after.variants
    ]
    return said


def said(before: Seen, after: Seen, *, photos_added: int = 0, photos_removed: int = 0) -> list[str]:
    """Each change, in the order the edit form shows them: "nama diubah dari
    “Nopia” menjadi “Nopia Bawang”", "harga diubah dari Rp15.000 menjadi
    Rp17.000", "1 foto ditambahkan". Empty when nothing changed."""
    found = []
    if after.name != before.name:
        found.append(f"nama diubah dari “{before.name}” menjadi “{after.name}”")
    if after.category != before.category:
        found.append(f"kategori diubah dari {before.category} menjadi {after.category}")
    found += _variant_changes(before, after)
    if after.description != before.description:
        found.append("deskripsi diubah")
    if after.unit != before.unit:
        found.append(f"satuan diubah dari {before.unit} menjadi {after.unit}")
    if after.weight_grams != before.weight_grams:
        found.append(
            f"berat diubah dari {_grams(before.weight_grams)} menjadi {_grams(after.weight_grams)}"
        )
    if after.status != before.status:
        shown = after.status == ProductStatus.ACTIVE
        found.append("ditampilkan di pasar" if shown else "disembunyikan dari pasar (jadi draf)")
    if photos_added:
        found.append(f"{photos_added} foto ditambahkan")
    if photos_removed:
        found.append(f"{photos_removed} foto dihapus")
    return found


def sentence(changes: list[str]) -> str:
    """The changes as one sentence: "Harga diubah …; deskripsi diubah"."""
    summary = "; ".join(changes)
    return summary[:1].upper() + summary[1:]
