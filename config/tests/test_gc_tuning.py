"""The ASGI process's garbage-collector settings (config/gc_tuning.py)."""

import gc

import pytest

from config.gc_tuning import tune_for_server


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_server_tuning_freezes_what_is_loaded_and_raises_the_young_threshold(settings, restore_gc):
    settings.GC_GEN0_THRESHOLD = 12_345
    gc.unfreeze()
    long_lived = [object() for _ in range(10)]

    tune_for_server()

    assert gc.get_threshold()[0] == 12_345
    assert gc.get_freeze_count() > len(long_lived)
