"""The chapters part of `flask seed-demo`: two chapters with officers, a
recommendation on the application waiting in Cilongok, stock updated with
an officer's help."""

import pytest
from sqlalchemy import select

from marketplace.catalog.models import ProductChange, ProductChangeKind
from marketplace.chapters import queries, services
from marketplace.chapters.models import ChapterOfficer, ChapterRecommendation
from marketplace.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


def test_demo_has_two_chapters_with_officers(runner):
    result = runner.invoke(args=["seed-demo", "--members", "8", "--products", "8"])
    assert result.exit_code == 0, result.output
    assert "cabang-sokaraja@demo.aspikmas.id" in result.output

    appointments = db.session.scalars(select(ChapterOfficer)).all()
    assert sorted(a.kecamatan.slug for a in appointments) == ["cilongok", "sokaraja"]
    [recommendation] = db.session.scalars(select(ChapterRecommendation)).all()
    assert recommendation.member.kecamatan.slug == "cilongok"
    changes = db.session.scalars(
        select(ProductChange).where(ProductChange.kind == ProductChangeKind.ASSISTED)
    ).all()
    assert changes
    assert {change.changed_by_id for change in changes} <= {a.user_id for a in appointments}
    sokaraja = next(a for a in appointments if a.kecamatan.slug == "sokaraja")
    assert services.chapters_of(sokaraja.user) == [sokaraja.kecamatan]
    figures = queries.chapter_figures(sokaraja.kecamatan, now=sokaraja.appointed_at)
    assert figures.active_products > 0
