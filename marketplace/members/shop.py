"""Writes to a member's shop profile: what an approved member's shop page
shows (name, description, WhatsApp, hours, logo and banner, pickup, cash,
delivery fees by kecamatan). Flush, never commit."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from marketplace.core.images import ImageRejected, ProcessedImage, process_image
from marketplace.core.storage import storage
from marketplace.extensions import db
from marketplace.members.models import DeliveryRate, Kecamatan, Member, MemberStatus
from marketplace.members.services import MemberError, checked_whatsapp, required_text

MAX_DELIVERY_FEE = 1_000_000
SHOP_FOLDER = "shops"  # storage folder of logos and banners (public: /media serves it)


@dataclass(frozen=True)
class ShopProfile:
    """What an approved member shows on their shop page."""

    shop_name: str
    description: str
    whatsapp: str
    opening_hours: str
    offers_pickup: bool
    accepts_cash: bool = False  # shoppers may pay cash on pickup or delivery
    delivery_fees: Mapping[int, int] = field(default_factory=dict)  # kecamatan id -> rupiah


def _delivery_fees(fees: Mapping[int, int]) -> dict[int, int]:
    for fee in fees.values():
        if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
            raise MemberError("Ongkos kirim berupa rupiah utuh, paling sedikit Rp0.")
        if fee > MAX_DELIVERY_FEE:
            raise MemberError("Ongkos kirim paling banyak Rp1.000.000 per kecamatan.")
    known = set(db.session.scalars(select(Kecamatan.id).where(Kecamatan.id.in_(list(fees)))))
    if known != set(fees):
        raise MemberError("Ada kecamatan tujuan pengantaran yang tidak dikenal.")
    return dict(fees)


def _picture(data: bytes | None, what: str) -> ProcessedImage | None:
    if not data:
        return None
    try:
        return process_image(data)
    except ImageRejected as error:
        raise MemberError(f"{what}: {error.message}") from error


def update_shop_profile(
    *,
    member: Member,
    profile: ShopProfile,
    logo: bytes | None = None,
    banner: bytes | None = None,
) -> Member:
    """Change what an approved member's shop page shows. The logo and banner
    are checked and re-encoded before anything is stored; the shop's address
    (slug) stays, so links already shared keep working."""
    if member.status != MemberStatus.APPROVED:
        raise MemberError("Profil toko bisa diubah setelah keanggotaan Anda disetujui.")
    fees = _delivery_fees(profile.delivery_fees)
    if not profile.offers_pickup and not fees:
        raise MemberError(
            "Pilih setidaknya satu cara pembeli menerima pesanan: ambil di toko, "
            "atau antar ke minimal satu kecamatan."
        )
    values = {
        "shop_name": required_text(profile.shop_name, "Isi nama toko."),
        "description": (profile.description or "").strip(),
        "whatsapp": checked_whatsapp(profile.whatsapp),
        "opening_hours": (profile.opening_hours or "").strip(),
        "offers_pickup": profile.offers_pickup,
        "accepts_cash": profile.accepts_cash,
    }
    new_logo, new_banner = _picture(logo, "Logo"), _picture(banner, "Banner")
    for name, value in values.items():
        setattr(member, name, value)
    store = storage()
    if new_logo is not None:
        member.logo_key = store.save(new_logo.thumb, folder=SHOP_FOLDER, suffix=new_logo.suffix)
    if new_banner is not None:
        member.banner_key = store.save(
            new_banner.large, folder=SHOP_FOLDER, suffix=new_banner.suffix
        )
    _set_delivery_rates(member, fees)
    db.session.flush()
    return member


def _set_delivery_rates(member: Member, fees: dict[int, int]) -> None:
    current = {rate.kecamatan_id: rate for rate in member.delivery_rates}
    for kecamatan_id, rate in current.items():
        if kecamatan_id not in fees:
            member.delivery_rates.remove(rate)
    for kecamatan_id, fee in fees.items():
        if kecamatan_id in current:
            current[kecamatan_id].fee = fee
        else:
            member.delivery_rates.append(DeliveryRate(kecamatan_id=kecamatan_id, fee=fee))
