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


def test_accuracy_page_says_not_measured_when_nothing_was_published(client, reports_dir):
    response = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.content.decode().count("Not measured yet for this pack.") == 3


def test_accuracy_page_shows_published_liveness_figures_without_login(client, reports_dir):
    published.publish(
        get_config().pack,
        section="liveness",
        figures={
            "species": {
                "live": {"presentations": 16, "identities": 14, "accepted": 15, "rate": 0.0625},
                "live_no_challenge": {
                    "presentations": 4,
                    "identities": 4,
                    "accepted": 1,
                    "rate": 0.25,
                },
                "print_flat": {
                    "presentations": 100,
                    "identities": 100,
                    "accepted": 2,
                    "rate": 0.02,
                },
            },
            "attack_non_response_rate": 0.01,
            "seconds_per_burst": {"mean": 0.41, "p95": 0.6},
            "challenges": ["blink"],
        },
        data="attack kit v1 (seed 12)",
        measured_at="2026-11-30T20:15+08:00",
        command="manage.py face_eval --liveness",
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
    published.publish(
        get_config().pack,
        section="liveness",
        figures={
            "species": {
                "live": {"presentations": 16, "identities": 12, "accepted": 15, "rate": 0.0625},
                "print_cutout": {
                    "presentations": 100,
                    "identities": 100,
                    "accepted": 1,
                    "rate": 0.01,
                },
                "video_replay": {
                    "presentations": 100,
                    "identities": 14,
                    "accepted": 1,
                    "rate": 0.01,
                },
            },
            "attack_non_response_rate": 0.014,
            "seconds_per_burst": {"mean": 2.4, "p95": 5.1},
            "challenges": ["blink"],
            "kit": {"kit_version": 1, "seed": 12, "per_species": 100},
        },
        data="attack kit v1 (bench/liveness_kit.py, seed 12, 100 per species)",
        measured_at="2026-12-01T12:23+08:00",
        command="manage.py face_eval --liveness",
    )
    page = client.get(reverse("accuracy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "挖去双眼的打印照片（后面有人眨眼）" in page
    assert "在平板上重放的真人视频" in page
    assert "print_cutout" not in page
    assert "随机种子 12，每类攻击 100 个" in page
    assert "per species" not in page
