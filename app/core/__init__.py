"""The bottom layer: the workflow table, vocabularies, working days and times.

Nothing here imports any other module of the app (tests/importlinter.ini checks it), so every
other layer may import it.
"""
