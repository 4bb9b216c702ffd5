"""The data side: what each source hands Keras, and what every tf.data step makes of a stream.

Nothing here knows how Keras walks through the data (that is ``core.keras``): a source
says what every new iterator over it yields, batch by batch, in closed form.
"""
