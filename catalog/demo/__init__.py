"""The demo catalog: real airports and cities, invented but plausible inventory.

`load_demo(...)` (catalog.demo.loader) is what `manage.py load_demo_data` runs.
"""
