"""The demo catalog: real airports and cities, invented but plausible inventory.

`load_demo(...)` (demo.loader) is what `manage.py load_demo_data` runs.
"""
