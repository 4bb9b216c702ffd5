"""The Keras side: what Keras 3.15.1 does with the data it is given.

The epoch iterator, the fit loop (epochs, validation runs) and the warnings Keras
gives or that a student needs; the data itself comes from ``core.data``.
"""
