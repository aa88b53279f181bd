import adv_harness


def pytest_collection_finish(session):
    # Every selected case (after -k/-m deselection) is started on the pool as soon as the first one runs.
    adv_harness.POOL.planned = [
        item.function.adversarial_spec
        for item in session.items
        if hasattr(getattr(item, "function", None), "adversarial_spec")
    ]
