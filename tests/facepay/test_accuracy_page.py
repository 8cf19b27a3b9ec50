"""The public accuracy page shows what `face_eval --publish` wrote for the configured pack."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facepay.face import published
from facepay.face.config import get_config


@pytest.fixture
def reports_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(published, "REPORTS_DIR", tmp_path)
    return tmp_path


def kind(presentations: int, identities: int, accepted: int, rate: float) -> dict[str, float]:
    return {
        "presentations": presentations,
        "identities": identities,
        "accepted": accepted,
        "rate": rate,
    }


def publish_liveness(species: dict, *, data: str, measured_at: str, **figures) -> None:  # type: ignore[type-arg]
    """Publish a liveness section for the configured pack, as `face_eval --publish` does."""
    published.publish(
        get_config().pack,
        section="liveness",
        figures={"species": species, "challenges": ["blink"], **figures},
        data=data,
        measured_at=measured_at,
        command="manage.py face_eval --liveness",
    )


def test_accuracy_page_says_not_measured_when_nothing_was_published(client, reports_dir):
    response = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.content.decode().count("Not measured yet for this pack.") == 3


def test_accuracy_page_shows_published_liveness_figures_without_login(client, reports_dir):
    publish_liveness(
        {
            "live": kind(16, 14, 15, 0.0625),
            "live_no_challenge": kind(4, 4, 1, 0.25),
            "print_flat": kind(100, 100, 2, 0.02),
        },
        attack_non_response_rate=0.01,
        seconds_per_burst={"mean": 0.41, "p95": 0.6},
        data="attack kit v1 (seed 12)",
        measured_at="2026-11-30T20:15+08:00",
    )
    response = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Measured 2026-11-30T20:15+08:00 on <code>attack kit v1 (seed 12)</code>." in page
    assert "BPCER 6.25 %" in page
    assert "APCER 2.00 %" in page
    assert "accepted without the action 25.00 %" in page
    assert "Attacks with no face found at all (non-response): 1.00 %." in page
    assert page.count("Not measured yet for this pack.") == 2


def test_accuracy_page_in_chinese(client, reports_dir):
    response = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert "实测准确率" in page
    assert page.count("该模型包尚未测量。") == 3


def test_accuracy_page_names_the_kit_and_its_kinds_of_attack_in_chinese(client, reports_dir):
    publish_liveness(
        {
            "live": kind(16, 12, 15, 0.0625),
            "print_cutout": kind(100, 100, 1, 0.01),
            "video_replay": kind(100, 14, 1, 0.01),
        },
        attack_non_response_rate=0.014,
        seconds_per_burst={"mean": 2.4, "p95": 5.1},
        kit={"kit_version": 1, "seed": 12, "per_species": 100},
        data="attack kit v1 (bench/liveness_kit.py, seed 12, 100 per species)",
        measured_at="2026-12-01T12:23+08:00",
    )
    page = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "挖去双眼的打印照片（后面有人眨眼）" in page
    assert "在平板上重放的真人视频" in page
    assert "print_cutout" not in page
    assert "随机种子 12，每类攻击 100 个" in page
    assert "per species" not in page


def test_accuracy_page_says_the_rates_are_in_sample_and_shows_people_left_out(client, reports_dir):
    publish_liveness(
        {"live": kind(16, 12, 16, 0.0), "print_cutout": kind(100, 100, 1, 0.01)},
        attack_non_response_rate=0.016,
        seconds_per_burst={"mean": 0.6, "p95": 0.74},
        leave_one_person_out={
            "people": 12,
            "live": 16,
            "refused": 1,
            "bpcer": 0.0625,
            "worst_fold_accepted": {"print_cutout": 1, "print_flat": 0},
        },
        data="attack kit v2 (seed 12)",
        measured_at="2026-12-01T14:50+08:00",
    )
    english = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "so the rates above flatter them" in english
    assert "for each of the 12 people in turn: 1 of 16 live clips refused (BPCER 6.25 %)" in english
    assert "at most 1 attacks of one kind accepted" in english
    assert "16 个真人片段中有 1 个被拒（BPCER 6.25 %）" in chinese
