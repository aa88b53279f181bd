import adv_harness


def pytest_collection_modifyitems(session, config, items):
    # Every selected case is started on the pool as soon as the first one runs.
    adv_harness.POOL.planned = [
        item.function.adversarial_spec
        for item in items
        if hasattr(getattr(item, "function", None), "adversarial_spec")
    ]
