"""The Keras side: what each Keras flavour does with the data it is given.

Keras 3.15.1's epoch iterator (on TensorFlow, JAX and PyTorch), tf.keras 2's data handler,
MirroredStrategy's split of each batch, the fit loop (epochs, validation runs) and the
warnings Keras gives or that a student needs; the data itself comes from ``core.data``.
"""
