"""Foreign keys follow the layers (docs/architecture.md): a model never points at a model of
a higher app. import-linter cannot see them (they are strings), so this test does."""

from django.apps import apps

LAYER = {"stations": 0, "drivers": 1, "billing": 2, "ocpp_gateway": 3, "roaming": 3, "config": 4, "api": 4}

# Today's remaining upward keys, to be removed one by one (never added to).
KNOWN_UPWARD: set[str] = set()


def upward_foreign_keys() -> set[str]:
    found = set()
    for model in apps.get_models():
        own = model._meta.app_label
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            target = field.related_model._meta.app_label
            if own in LAYER and target in LAYER and LAYER[target] > LAYER[own]:
                found.add(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    return found


def test_no_model_points_at_a_higher_app_beyond_the_known_ones():
    assert upward_foreign_keys() <= KNOWN_UPWARD


def test_the_known_upward_keys_list_shrinks_with_the_code():
    # A key that was turned around must leave the list, so that it cannot come back.
    assert upward_foreign_keys() >= KNOWN_UPWARD
