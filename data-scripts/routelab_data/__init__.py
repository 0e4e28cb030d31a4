"""Conversion logic shared by RouteLab's data scripts.

Everything in this package imports with the Python standard library only, so it runs (and is
tested) anywhere; the scripts next to it import the network libraries (huggingface_hub, datasets,
promptsource, transformers, torch) inside the functions that need them.
"""
