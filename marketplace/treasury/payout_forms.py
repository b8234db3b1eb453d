"""The forms of paying members (treasury.payouts): choosing members for a
batch, approving or rejecting it, recording each line. Each posts with its
CSRF token; the rules themselves are the services'."""

from collections.abc import Sequence

from wtforms import DateField, Field, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.core.forms import UNKNOWN_FORM_DATA, BaseForm, RupiahField
from marketplace.core.numbers import MAX_INTEGER, as_whole
from marketplace.treasury.payouts import REFERENCE_MAX
from marketplace.treasury.services import REASON_MAX, REASON_MIN

MAX_CHOSEN = 500


class IdsField(Field):
    """The ids of the ticked checkboxes sharing this field's name."""

    data: list[int]

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        self.data = []
        if len(valuelist) > MAX_CHOSEN:
            raise ValueError(f"Paling banyak {MAX_CHOSEN} anggota dalam satu batch.")
        for raw in valuelist:
            number = as_whole(raw, maximum=MAX_INTEGER)
            if not number:
                raise ValueError(UNKNOWN_FORM_DATA)
            self.data.append(number)

    def _value(self) -> str:
        return ""


class PrepareBatchForm(BaseForm):
    """The members ticked on the balances page, or everyone ready."""

    anggota = IdsField("Anggota", default=list)
    chosen = SubmitField("Siapkan batch untuk yang dipilih")
    everyone = SubmitField("Siapkan batch untuk semua yang siap dibayar")


class ApproveBatchForm(BaseForm):
    """Only the CSRF token: the admin approves the batch as shown."""


class RejectBatchForm(BaseForm):
    reason = TextAreaField(
        "Alasan penolakan",
        validators=[
            InputRequired("Tuliskan alasan penolakan."),
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=f"Alasan penolakan {REASON_MIN}–{REASON_MAX} karakter.",
            ),
        ],
    )


class TransferredForm(BaseForm):
    reference = StringField(
        "Nomor referensi bank",
        validators=[
            InputRequired("Isi nomor referensi dari bukti transfer bank."),
            Length(max=REFERENCE_MAX, message=f"Paling panjang {REFERENCE_MAX} karakter."),
        ],
    )

    @classmethod
    def for_line(cls, line_id: int, **kwargs) -> "TransferredForm":
        return cls(prefix=f"transfer-{line_id}", **kwargs)


class FailedForm(BaseForm):
    reason = StringField(
        "Alasan gagal",
        validators=[
            InputRequired("Tuliskan mengapa transfer gagal."),
            Length(min=5, max=REASON_MAX, message=f"Alasan 5–{REASON_MAX} karakter."),
        ],
    )

    @classmethod
    def for_line(cls, line_id: int, **kwargs) -> "FailedForm":
        return cls(prefix=f"gagal-{line_id}", **kwargs)


class DepositForm(BaseForm):
    """Commission a member brought for their cash sales."""

    amount = RupiahField(
        "Jumlah setoran",
        what="Jumlah",
        validators=[InputRequired("Isi jumlah yang disetor.")],
    )
    deposited_on = DateField(
        "Tanggal setoran",
        format=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        invalid_value_message="Tanggal tidak valid. Contoh: 31-12-2026.",
        validators=[InputRequired("Isi tanggal setoran.")],
    )
    reference = StringField(
        "Referensi (nomor kuitansi atau bukti transfer, boleh kosong)",
        validators=[
            Optional(),
            Length(max=REFERENCE_MAX, message=f"Paling panjang {REFERENCE_MAX} karakter."),
        ],
    )
